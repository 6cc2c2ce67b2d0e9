"""The signed-URL check (reference images.md §5), against the reference's own test vectors."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from flarelite.images.errors import AccessDenied
from flarelite.images.url_signatures import check_signature

KEY = "Oix0bbNaT8Rge9PuyxUBrjI6zrgnsyJ5="
PATH = "/cheeW4oKsx5ljh8e8BoL2A/bc27a117-9509-446b-8c69-c81bfeac0a01/mobile"
SIG_WITH_EXP = "72411885ee02134d38662f3e70ac8ff694f408e9d14b05125f6b022c3f403efa"
SIG_BARE = "f650d16a54309cc5560ccf74ba805cd33c92ba5edaa7f09abeebfaf7e3f5895e"
EXP = 1631289275
BEFORE = EXP - 10


def test_reference_vector_with_exp_is_accepted() -> None:
    assert check_signature(PATH, f"exp={EXP}&sig={SIG_WITH_EXP}", [KEY], BEFORE) == EXP


def test_custom_domain_path_accepts_the_imagedelivery_net_signature() -> None:
    path = "/cdn-cgi/imagedelivery" + PATH
    assert check_signature(path, f"exp={EXP}&sig={SIG_WITH_EXP}", [KEY], BEFORE) == EXP


def test_bare_path_signature_without_exp_never_expires() -> None:
    assert check_signature(PATH, f"sig={SIG_BARE}", [KEY], 10**12) is None


def test_any_key_of_the_account_may_sign() -> None:
    assert check_signature(PATH, f"exp={EXP}&sig={SIG_WITH_EXP}", ["other", KEY], BEFORE) == EXP


def test_sig_may_come_first_in_the_query() -> None:
    assert check_signature(PATH, f"sig={SIG_WITH_EXP}&exp={EXP}", [KEY], BEFORE) == EXP


def test_other_parameters_are_covered_in_their_order() -> None:
    message = f"{PATH}?exp={EXP}&a=1".encode()
    sig = hmac.new(KEY.encode(), message, hashlib.sha256).hexdigest()
    assert check_signature(PATH, f"exp={EXP}&a=1&sig={sig}", [KEY], BEFORE) == EXP
    with pytest.raises(AccessDenied):
        check_signature(PATH, f"a=1&exp={EXP}&sig={sig}", [KEY], BEFORE)


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        (f"exp={EXP}&sig={SIG_WITH_EXP}", ["wrong-key"]),
        (f"exp={EXP}&sig={SIG_WITH_EXP}", []),
        (f"exp={EXP + 1}&sig={SIG_WITH_EXP}", [KEY]),
        (f"exp={EXP}&sig={SIG_WITH_EXP[:-1]}", [KEY]),
        (f"exp={EXP}&sig={'g' * 64}", [KEY]),
        (f"exp={EXP}", [KEY]),
        ("", [KEY]),
        (f"exp={EXP}&sig={SIG_WITH_EXP}&sig={SIG_WITH_EXP}", [KEY]),
    ],
)
def test_wrong_missing_or_malformed_signatures_are_403_9425(query: str, keys: list[str]) -> None:
    with pytest.raises(AccessDenied) as caught:
        check_signature(PATH, query, keys, BEFORE)
    assert (caught.value.status, caught.value.code) == (403, 9425)


def test_expired_url_is_refused() -> None:
    with pytest.raises(AccessDenied) as caught:
        check_signature(PATH, f"exp={EXP}&sig={SIG_WITH_EXP}", [KEY], EXP + 1)
    assert "expired" in caught.value.body


def test_non_numeric_exp_is_refused_even_when_signed() -> None:
    message = f"{PATH}?exp=soon".encode()
    sig = hmac.new(KEY.encode(), message, hashlib.sha256).hexdigest()
    with pytest.raises(AccessDenied):
        check_signature(PATH, f"exp=soon&sig={sig}", [KEY], BEFORE)
