"""First user, account and an all-powerful user token: what `init` and a first `serve` make."""

from __future__ import annotations

from dataclasses import dataclass

from flarelite.services import Services
from flarelite.tokens.catalog import PERMISSION_GROUPS, Scope
from flarelite.tokens.secrets import TokenKind
from flarelite.tokens.service import TokenOwner


@dataclass(frozen=True)
class Bootstrapped:
    user_id: str
    email: str
    account_id: str
    account_hash: str
    token: str

    def as_json(self) -> dict[str, str]:
        return {
            "user_id": self.user_id,
            "email": self.email,
            "account_id": self.account_id,
            "account_hash": self.account_hash,
            "token": self.token,
        }


def everything_policies(user_id: str, account_id: str) -> list[dict[str, object]]:
    """Allow every permission group on the user, the account and all the account's zones."""

    def groups(scope: Scope) -> list[dict[str, str]]:
        return [{"id": g.id} for g in PERMISSION_GROUPS if g.scope is scope]

    account_key = f"com.cloudflare.api.account.{account_id}"
    return [
        {
            "effect": "allow",
            "resources": {f"com.cloudflare.api.user.{user_id}": "*"},
            "permission_groups": groups(Scope.USER),
        },
        {
            "effect": "allow",
            "resources": {account_key: "*"},
            "permission_groups": groups(Scope.ACCOUNT),
        },
        {
            "effect": "allow",
            "resources": {account_key: {"com.cloudflare.api.account.zone.*": "*"}},
            "permission_groups": groups(Scope.ZONE),
        },
    ]


async def bootstrap(
    services: Services, email: str, password: str, account_name: str, token_name: str
) -> Bootstrapped:
    user = await services.identity.create_user(email, password)
    account = await services.identity.create_account(account_name, owner_id=user.id)
    payload = {"name": token_name, "policies": everything_policies(user.id, account.id)}
    _, secret = await services.tokens.create(TokenOwner(TokenKind.USER, user.id), payload)
    return Bootstrapped(user.id, user.email, account.id, account.account_hash, secret)
