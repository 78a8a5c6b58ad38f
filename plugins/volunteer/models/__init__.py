"""志愿积分 tables, by area; every one is a tenant table named ``volunteer__<thing>``."""
from .people import Team, TeamMember, Volunteer
from .posts import PostClaim, ServicePost
from .activities import Activity, Registration, ServiceRecord
from .ledger import AccountBalance, LedgerAccount, LedgerEntry, LedgerTxn, LotConsumption, PointLot
from .rewards import RedemptionOrder, RewardItem, StockMovement
from .public import Certificate
from .periods import AccountingPeriod, SecondApproval

__all__ = ["Volunteer", "Team", "TeamMember", "ServicePost", "PostClaim", "Activity", "Registration",
           "ServiceRecord", "LedgerAccount", "LedgerTxn", "LedgerEntry", "AccountBalance", "PointLot",
           "LotConsumption", "RewardItem", "StockMovement", "RedemptionOrder", "Certificate",
           "AccountingPeriod", "SecondApproval"]
