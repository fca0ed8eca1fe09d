"""Type stubs of ``rolecall._enums``: the members the core's catalogues hold.

The runtime builds these enums from the native catalogue functions; ``tests/test_stubs.py``
checks that this file lists exactly the runtime members, with the same values.
"""

import enum
from typing import Any, Iterable, List, Optional, Union

from rolecall._rolecall import PresetRole

__all__ = ["AccessLevel", "Permission", "Preset", "Product", "ScopeKind"]

class Permission(enum.IntFlag):
    """A set of permissions (an ``enum.IntFlag``) with dotted names."""

    USERS_VIEW = 1  # users.view
    USERS_MANAGE = 2  # users.manage
    ROLES_VIEW = 4  # roles.view
    ROLES_MANAGE = 8  # roles.manage
    GROUPS_VIEW = 16  # groups.view
    GROUPS_MANAGE = 32  # groups.manage
    SCOPES_MANAGE = 64  # scopes.manage
    AGREEMENTS_MANAGE = 18446744073709551616  # agreements.manage
    CAMPAIGNS_VIEW = 256  # campaigns.view
    CAMPAIGNS_MANAGE = 512  # campaigns.manage
    CAMPAIGNS_CONTROL = 1024  # campaigns.control
    SCRIPTS_VIEW = 2048  # scripts.view
    SCRIPTS_EDIT = 4096  # scripts.edit
    NUMBERS_VIEW = 8192  # numbers.view
    NUMBERS_MANAGE = 16384  # numbers.manage
    BILLING_VIEW = 32768  # billing.view
    BILLING_MANAGE = 65536  # billing.manage
    REPORTS_VIEW = 131072  # reports.view
    SETTINGS_MANAGE = 262144  # settings.manage
    API_ACCESS = 524288  # api.access
    SYSTEM_ADMIN = 1048576  # system.admin
    CLIENTS_VIEW = 2097152  # clients.view
    CLIENTS_BLOCK = 4194304  # clients.block
    LOGS_VIEW = 8388608  # logs.view
    LOGS_TAG = 16777216  # logs.tag
    TAGS_VIEW = 33554432  # tags.view
    CHANNELS_VIEW = 67108864  # channels.view
    CHANNELS_CREATE = 134217728  # channels.create
    USERFLOW_VIEW = 268435456  # userflow.view
    PROJECTS_VIEW = 536870912  # projects.view
    PROJECTS_STATS = 1073741824  # projects.stats
    PROJECTS_OVERVIEW = 2147483648  # projects.overview
    CONTENT_VIEW = 4294967296  # content.view
    CONTENT_EDIT = 8589934592  # content.edit
    DEPLOYMENTS_VIEW = 17179869184  # deployments.view
    DEPLOYMENTS_DEPLOY = 34359738368  # deployments.deploy
    NEWS_VIEW = 68719476736  # news.view
    NEWS_CREATE = 137438953472  # news.create
    NEWS_EDIT = 274877906944  # news.edit
    SETTINGS_VIEW = 549755813888  # settings.view
    PROFILE_VIEW = 1099511627776  # profile.view
    PROFILE_EDIT = 2199023255552  # profile.edit
    BROADCASTS_VIEW = 4398046511104  # broadcasts.view
    BROADCASTS_CREATE = 8796093022208  # broadcasts.create
    BROADCASTS_CONTROL = 17592186044416  # broadcasts.control
    RAWLOGS_DOWNLOAD = 35184372088832  # rawlogs.download
    DIALOGS_VIEW = 70368744177664  # dialogs.view
    DASHBOARD_ACTIVITY = 140737488355328  # dashboard.activity
    DASHBOARD_LOGS = 281474976710656  # dashboard.logs
    DASHBOARD_CAMPAIGNS = 562949953421312  # dashboard.campaigns
    DASHBOARD_ANALYTICS = 1125899906842624  # dashboard.analytics
    DASHBOARD_TASKS = 2251799813685248  # dashboard.tasks
    DASHBOARD_BILLING = 4503599627370496  # dashboard.billing
    DASHBOARD_USERS = 9007199254740992  # dashboard.users
    DASHBOARD_NUMBERS = 18014398509481984  # dashboard.numbers
    DASHBOARD_IVRS = 36028797018963968  # dashboard.ivrs
    DASHBOARD_CALL_TAGS = 72057594037927936  # dashboard.call_tags
    DASHBOARD_SNOOZES = 144115188075855872  # dashboard.snoozes
    DASHBOARD_BLOCKED_NUMBERS = 288230376151711744  # dashboard.blocked_numbers
    DASHBOARD_CONTACTS = 576460752303423488  # dashboard.contacts
    DASHBOARD_DEV = 1152921504606846976  # dashboard.dev
    DASHBOARD_INTEGRATIONS = 2305843009213693952  # dashboard.integrations
    DASHBOARD_ACTION_LOGS = 4611686018427387904  # dashboard.action_logs
    DASHBOARD_BRANDS = 9223372036854775808  # dashboard.brands
    DASHBOARD_OTHER = 128  # dashboard.other

    def __new__(cls, value: Union[int, str]) -> Permission:
        """A set from its bits, or one permission from its exact dotted name."""
    @classmethod
    def from_name(cls, name: str) -> Permission:
        """The permission with this exact dotted name."""
    @classmethod
    def from_names(cls, names: Iterable[str]) -> Permission:
        """The set of the permissions with these dotted names."""
    @classmethod
    def parse(cls, text: str) -> Permission:
        """The set written as dotted names joined by ``|`` or ``,``."""
    @property
    def dotted_name(self) -> Optional[str]:
        """The dotted name of a single permission; None for an empty or multi-bit set."""
    def names(self) -> List[str]:
        """The dotted names of the permissions in this set, in catalogue order."""

class Product(enum.Enum):
    """One of the seven products of an agreement (002)."""

    CORE = "core"
    TELEPHONY = "telephony"
    VIRTUAL_PBX = "virtual_pbx"
    AUTOMATED_CALLS = "automated_calls"
    CHATBOTS = "chatbots"
    INTEGRATIONS_API = "integrations_api"
    CONTACT_CENTER_AI = "contact_center_ai"

    @property
    def value(self) -> str: ...
    @property
    def index(self) -> int:
        """The stable number of this member."""

class AccessLevel(enum.Enum):
    """NO_ACCESS < USER < ADMINISTRATOR < OWNER (002)."""

    NO_ACCESS = "no_access"
    USER = "user"
    ADMINISTRATOR = "administrator"
    OWNER = "owner"

    @property
    def value(self) -> str: ...
    @property
    def index(self) -> int:
        """The stable number of this member."""
    def __lt__(self, other: Any) -> bool: ...
    def __le__(self, other: Any) -> bool: ...
    def __gt__(self, other: Any) -> bool: ...
    def __ge__(self, other: Any) -> bool: ...

class ScopeKind(enum.Enum):
    """The built-in scope kinds; a tenant-defined kind is a plain str."""

    CALL_GROUP = "call_group"
    IVR = "ivr"
    QUEUE = "queue"
    CAMPAIGN = "campaign"
    NUMBER = "number"
    TEAM = "team"

    @property
    def value(self) -> str: ...
    @property
    def index(self) -> int:
        """The stable number of this member."""

class Preset(enum.Enum):
    """A role catalogue: MANAGERS (000), ROLE_MODEL (001), DASHBOARD (003)."""

    MANAGERS = "managers"
    ROLE_MODEL = "role_model"
    DASHBOARD = "dashboard"

    @property
    def value(self) -> str: ...
    @property
    def index(self) -> int:
        """The stable number of this member."""
    def roles(self) -> List[PresetRole]:
        """The roles of this preset, in the source's order."""
