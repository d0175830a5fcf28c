"""A personal calendar feed as each calendar app subscribes to it."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from booking.services.feeds import FeedUrls

FEED_NAME = "SEND training"


def subscribe_links(urls: FeedUrls) -> dict[str, str]:
    """Google takes the webcal address in `cid`; Outlook on the web takes the https one."""
    return {
        "https": urls.https_url,
        "webcal": urls.webcal_url,
        "google": "https://calendar.google.com/calendar/r?cid=" + quote(urls.webcal_url, safe=""),
        "outlook": "https://outlook.live.com/calendar/0/addfromweb?"
        + urlencode({"url": urls.https_url, "name": FEED_NAME}),
    }
