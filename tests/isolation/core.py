"""Isolation specs of the log-in, language and home endpoints."""
from tests.isolation import foreign, own, public

SPECS = {
    "auth.index": public("redirects to login or home"),
    "auth.login": public("the login form"),
    "auth.logout": own("ends the caller's own session"),
    "auth.home": own("the caller's own start page"),
    "auth.language": own("sets the caller's own language"),
    "auth.password": own("changes the caller's own password"),
    "auth.switch": foreign(lambda w: [("POST", f"/community/{w.b.community.id}")]),
}
