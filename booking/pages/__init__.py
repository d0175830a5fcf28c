"""Server-rendered pages (docs/contract.md, Pages): the same services as the JSON API, shown as
HTML.

The pages sit beside booking.api above the services. They sign people in with a cookie
(booking.pages.session) and protect every form with a token (booking.pages.csrf); the JSON API
keeps Bearer tokens only and never reads either cookie.

Unlike the API's controllers, a page handler may catch the domain errors it can explain next to
a field or a button (GOV.UK's error summary and error message); it never decides a rule itself.
Everything it does not catch becomes an HTML error page (booking.pages.errors).
"""
