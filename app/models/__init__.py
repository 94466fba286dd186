"""All mappings, one module per aggregate. Importing this package registers them on Model.metadata."""
from app.models.geo import Region  # noqa: F401
from app.models.authority import Authority, AuthorityKind  # noqa: F401
from app.models.catalog import (  # noqa: F401
    Batch,
    BatchTier,
    BatchWindow,
    DeclarationType,
    FormDefinition,
    Industry,
    Subsystem,
)
from app.models.organization import (  # noqa: F401
    Organization,
    OrganizationMember,
    OrgType,
    PlatformUser,
)
from app.models.attachment import Attachment  # noqa: F401
from app.models.declaration import (  # noqa: F401
    Declaration,
    Evaluation,
    ReviewRecord,
    ReviewStep,
    SubmittedRound,
)
from app.models.recommendation import PackageEvent, Publication, RecommendationPackage  # noqa: F401
from app.models.token import SharedValue, UsedToken  # noqa: F401
from app.models.audit import ConfigChange, SignInEvent, SiteSetting  # noqa: F401
from app.models.tally import DeclarationTally  # noqa: F401
from app.models.job import Job  # noqa: F401
from app.models.listing import ListedUnit, ListingEvent  # noqa: F401
from app.models.agency import AgencyEvent, AgencyReport, AgencySpotCheck, AgencySuspension  # noqa: F401
from app.models.filing import (  # noqa: F401
    Filing,
    FilingPeriod,
    FilingReminder,
    FilingStatus,
    FilingWindow,
    Message,
    MessageRead,
    ReminderKind,
)
from app.models.recheck import GreenCode, GreenCodeShare, ListingRecheck  # noqa: F401
