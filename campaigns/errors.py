"""Domain errors of campaigns: each a stable `code`, a message for a person and an HTTP status."""

from config.errors import DomainError


class CampaignNotActive(DomainError):
    code = "campaign_not_active"
    message = "活动未开始或已结束"


class NotInAudience(DomainError):
    status = 403
    code = "not_in_audience"
    message = "这个活动只面向部分会员，你暂时不能参加"


class AlreadyCheckedIn(DomainError):
    code = "already_checked_in"
    message = "今天已经签到过了"


class DailyLimitReached(DomainError):
    code = "daily_limit_reached"
    message = "今天的次数用完了，明天再来"


class AlreadyGrabbed(DomainError):
    code = "already_grabbed"
    message = "你已经领过这个红包了"


class PacketEmpty(DomainError):
    code = "packet_empty"
    message = "红包已被领完"


class MakeupUnavailable(DomainError):
    code = "makeup_unavailable"
    message = "这一天不能补签：只能补签本月活动期间、今天以前漏签的日子"


class MakeupLimitReached(DomainError):
    code = "makeup_limit_reached"
    message = "本月的补签次数已用完"
