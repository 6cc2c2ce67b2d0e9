"""No secret reaches the server's log: a whole run (token lifecycle through the SDK, failed
uses, a leak report, the audit log, dashboard logins, sessions and a password change) is
made, then every line the server wrote is searched for every secret the run created or used."""

from __future__ import annotations

from pathlib import Path

import cloudflare
import pytest
from tests.e2e.dashboard_support import ADMIN_PASSWORD, csrf_of, log_in, logged_in, post_form
from tests.e2e.leak_reports import Signer, fake_token, post_report, report, write_github_keys
from tests.factories import account_key, bearer, create_token, http, make_policy, user_key
from tests.servers import running_server, sdk

from flarelite.tokens.secrets import keyed_hash

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a-new-password-9"


def test_no_secret_the_run_made_appears_in_any_log_line(tmp_path: Path) -> None:
    signer = Signer()
    keys = write_github_keys(tmp_path / "keys.json", signer)
    made: list[str] = []
    with running_server(tmp_path, env={"FLARELITE_LEAK_KEYS": str(keys)}) as server:
        made.append(server.token)
        cf = sdk(server)
        account = server.account_id
        user_policies = [
            make_policy("User Details Read", resources={user_key(server.user_id): "*"})
        ]
        account_policies = [
            make_policy("Account Settings Read", resources={account_key(account): "*"})
        ]
        user_id, user_value = create_token(cf, user_policies)
        account_id, account_value = create_token(cf, account_policies, account_id=account)
        made += [user_value, account_value]
        assert sdk(server, user_value).user.tokens.verify() is not None
        cf.user.tokens.update(user_id, name="renamed", policies=user_policies)  # type: ignore[arg-type]
        rolled = cf.user.tokens.value.update(user_id)
        assert isinstance(rolled, str)
        made.append(rolled)
        rolled_account = cf.accounts.tokens.value.update(account_id, account_id=account)
        made.append(str(rolled_account))
        # Refused uses: an old value, a forged checksum, a value on the wrong endpoint.
        for value in (user_value, user_value[:-1] + "0", str(rolled_account)):
            http.get(f"{server.api}/user/tokens/verify", headers=bearer(value))
            http.get(f"{server.api}/user", headers=bearer(value))
        with pytest.raises(cloudflare.APIError):
            sdk(server, account_value).user.tokens.verify()
        # A leak report carries live secrets in its body, signed and then forged.
        leaked = str(rolled)
        labels = post_report(server.base_url, report(leaked, fake_token()), signer).json()
        assert [item["label"] for item in labels] == ["true_positive", "false_positive"]
        post_report(server.base_url, report(str(rolled_account)), None)
        list(cf.audit_logs.list(account_id=account, per_page=1000))
        cf.accounts.tokens.delete(account_id, account_id=account)
        # Dashboard: a failed and a good login, a form post, a password change, a logout.
        log_in(server, password="a-wrong-password-to-log")
        browser = logged_in(server)
        made.append(browser.cookies["flarelite_session"])
        page = browser.get("/profile")
        made.append(csrf_of(page.text))
        other = logged_in(server)
        made.append(other.cookies["flarelite_session"])
        changed = post_form(
            browser, "/profile", "/profile/password",
            {"current_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD,
             "confirm_password": NEW_PASSWORD},
        )  # fmt: skip
        assert "other session(s) were signed out" in changed.text
        assert other.get("/profile").status_code == 303  # signed out by the change
        post_form(browser, "/profile", "/logout", {})
        secret_key = (server.data_dir / "secret.key").read_bytes().strip()
    log = server.log_text()

    assert '"request"' in log or "request" in log  # the access log did run: the search can fail
    assert log.count("/client/v4/") >= 10
    assert "token_leaked_disabled" in log  # the leak path logged, by token id
    assert "login_failed" in log  # the dashboard path logged
    assert "login_succeeded" in log
    needles = {
        secret_key.decode(): "the server's secret key",
        ADMIN_PASSWORD: "a password",
        NEW_PASSWORD: "a password",
        "a-wrong-password-to-log": "a password",
    }
    for value in made:
        needles[value] = "a token value"
        needles[value[5:45]] = "a token value's random body"
        needles[keyed_hash(secret_key, value)] = "a token's stored hash"
    found = {what for needle, what in needles.items() if needle in log}
    assert not found, f"the server log holds {sorted(found)}"
