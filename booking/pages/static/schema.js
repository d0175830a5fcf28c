// Starts the vendored Swagger UI on /schema (booking/api/docs.py). A file of its own because
// the Content-Security-Policy allows no inline script.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.url,
    domNode: root,
    deepLinking: true,
    // The default validator is a badge fetched from validator.swagger.io: no request leaves.
    validatorUrl: null,
  });
});
