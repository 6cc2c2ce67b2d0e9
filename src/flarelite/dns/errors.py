"""DNS and zone errors: each pins the Cloudflare code and text of reference zones-dns.md §9.

Raise them with ``Cls.about(field, why)`` so the client's message names the field. Codes marked
(unconfirmed) are our choice where the reference found no source. Tree::

    Invalid (400)
    ├── ZoneNameInvalid            400  1001   zone name fails validation (unconfirmed code)
    ├── ZoneAlreadyExists          400  1061   "<name> already exists"
    ├── ZoneFileInvalid            400  1001   BIND import cannot be parsed (unconfirmed code)
    ├── RecordInvalid              400  1004   "DNS Validation Error" (fields without a known code)
    │   ├── UnsupportedRecordType  400  1004   unknown or unsupported `type` (unconfirmed code)
    │   ├── RecordTypeChange       400  1004   type changed by PUT/PATCH (unconfirmed code)
    │   ├── RecordContentInvalid   400  1004   "Content for <TYPE> record is invalid." (unconfirmed)
    │   ├── RecordNameInvalid      400  9000   "DNS name is invalid"
    │   ├── RecordNotProxiable     400  9004   type cannot be proxied
    │   ├── IPv4ContentInvalid     400  9005
    │   ├── IPv6ContentInvalid     400  9006
    │   ├── CnameContentInvalid    400  9007   (external-dns#753, #2409)
    │   ├── TtlInvalid             400  9021
    │   ├── TargetNotProxiable     400  9041   private/loopback target
    │   └── TagQuotaExceeded       400  9300
    ├── RecordQuotaExceeded        400  81045  (HTTP status unconfirmed)
    ├── CnameConflict              400  81053  CNAME where A/AAAA/CNAME exist
    ├── CnameExists                400  81054  A/AAAA where a CNAME exists
    ├── NsConflict                 400  81055  NS where other types exist
    ├── NsExists                   400  81056  other types where NS exists
    └── IdenticalRecordExists      400  81058  (81057 before 2025)
    NotFound (404)
    ├── ZoneNotFound               404  1001   "Invalid zone identifier" (unconfirmed, §12)
    └── RecordNotFound             404  81044  "Record does not exist."

Clashes and duplicates are 400, never 409: the SDKs retry a 409 (zones-dns.md §9).
"""

from __future__ import annotations

from typing import Self

from flarelite.core.errors import Invalid, NotFound


class _FieldError(Invalid):
    @classmethod
    def about(cls, field: str, why: str | None = None) -> Self:
        """An instance whose client text is Cloudflare's plus the field and the reason."""
        text = cls.public_message if why is None else f"{cls.public_message} ({field}: {why})"
        return cls(detail=text, pointer=field)


class ZoneNameInvalid(_FieldError):
    code = 1001
    public_message = "Invalid zone name"


class ZoneAlreadyExists(_FieldError):
    code = 1061
    public_message = "Zone already exists"

    @classmethod
    def named(cls, zone_name: str) -> Self:
        return cls(detail=f"{zone_name} already exists", pointer="name")


class ZoneFileInvalid(_FieldError):
    code = 1001
    public_message = "Failed to parse the zone file"


class RecordInvalid(_FieldError):
    code = 1004
    public_message = "DNS Validation Error"


class UnsupportedRecordType(RecordInvalid):
    public_message = "Invalid or unsupported DNS record type"


class RecordTypeChange(RecordInvalid):
    public_message = "Changing the type of a DNS record is not supported; delete and re-create it"


class RecordContentInvalid(RecordInvalid):
    public_message = "Content for the record is invalid."

    @classmethod
    def for_type(cls, record_type: str, why: str, field: str = "content") -> Self:
        return cls(
            detail=f"Content for {record_type} record is invalid. ({field}: {why})", pointer=field
        )


class RecordNameInvalid(RecordInvalid):
    code = 9000
    public_message = "DNS name is invalid"


class RecordNotProxiable(RecordInvalid):
    code = 9004
    public_message = "This kind of record cannot be proxied"


class IPv4ContentInvalid(RecordInvalid):
    code = 9005
    public_message = "Content for A record must be a valid IPv4 address."


class IPv6ContentInvalid(RecordInvalid):
    code = 9006
    public_message = "Content for AAAA record must be a valid IPv6 address."


class CnameContentInvalid(RecordInvalid):
    code = 9007
    public_message = "Content for CNAME record is invalid."


class TtlInvalid(RecordInvalid):
    code = 9021
    public_message = "TTL must be between 60 and 86400 seconds, or 1 for Automatic."


class TargetNotProxiable(RecordInvalid):
    code = 9041
    public_message = (
        "This DNS record cannot be proxied - click the cloud icon to turn it gray to proceed"
    )


class TagQuotaExceeded(RecordInvalid):
    code = 9300
    public_message = "DNS record has too many tags"

    @classmethod
    def counted(cls, count: int, quota: int) -> Self:
        return cls(
            detail=f"DNS record has {count} tags, exceeding the quota of {quota}.", pointer="tags"
        )


class RecordQuotaExceeded(_FieldError):
    code = 81045
    public_message = "Record quota exceeded."


class CnameConflict(_FieldError):
    code = 81053
    public_message = "An A, AAAA, or CNAME record with that host already exists."


class CnameExists(_FieldError):
    code = 81054
    public_message = (
        "A CNAME record with that host already exists. For more details, refer to "
        "<https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/"
        "records-with-same-name/>."
    )


class NsConflict(_FieldError):
    code = 81055
    public_message = "non-NS records already exists with that host."


class NsExists(_FieldError):
    code = 81056
    public_message = "NS records with that host already exist."


class IdenticalRecordExists(_FieldError):
    code = 81058
    public_message = "An identical record already exists."


class ZoneNotFound(NotFound):
    code = 1001
    public_message = "Invalid zone identifier"


class RecordNotFound(NotFound):
    code = 81044
    public_message = "Record does not exist."
