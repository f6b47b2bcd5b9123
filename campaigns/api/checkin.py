"""Daily check-in: my month, today's check-in, a make-up day (../shared/API.md, Campaigns)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.services.checkin import CheckinBoard, CheckinResult, checkin_board, checkin_makeup, checkin_today, reward_shown
from config.schema import error_response


class CheckinDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    checked_in = serializers.BooleanField()
    is_makeup = serializers.BooleanField(help_text="补签的日子")
    can_make_up = serializers.BooleanField(help_text="现在可以补签这一天")


REWARD_SHAPE = '{"kind": "points", "points": 50, "label"} 或 {"kind": "coupon", "coupon": {"template_id", "title"}, "label"}'


class NextRewardSerializer(serializers.Serializer):
    streak_days = serializers.IntegerField(help_text="连续签到满多少天")
    days_left = serializers.IntegerField(help_text="还要连续签到几天（今天未签时含今天）")
    reward = serializers.DictField(help_text=REWARD_SHAPE)


class MakeupInfoSerializer(serializers.Serializer):
    cost_points = serializers.IntegerField(help_text="补签一天消耗的积分；0 表示不开放补签")
    left_this_month = serializers.IntegerField()
    per_month = serializers.IntegerField()


class CheckinBoardSerializer(serializers.Serializer):
    campaign_id = serializers.IntegerField(source="campaign.pk")
    title = serializers.CharField(source="campaign.title")
    rules = serializers.SerializerMethodField()
    today = serializers.DateField()
    checked_in_today = serializers.BooleanField()
    streak = serializers.IntegerField(help_text="当前连续签到天数（今天未签时为截至昨天）")
    month = CheckinDaySerializer(many=True)
    next_reward = serializers.SerializerMethodField()
    daily_reward = serializers.SerializerMethodField()
    makeup = serializers.SerializerMethodField()
    points = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), help_text="活动规则，最多 3 步"))
    def get_rules(self, board: CheckinBoard) -> list[str]:
        return [str(step) for step in board.campaign.rules][:3]

    @extend_schema_field(NextRewardSerializer(allow_null=True, help_text="下一个还来得及拿到的连签奖励；没有时为 null"))
    def get_next_reward(self, board: CheckinBoard) -> dict | None:
        if board.next is None:
            return None
        milestone = board.next.milestone
        return NextRewardSerializer(
            {"streak_days": milestone.streak_days, "days_left": board.next.days_left, "reward": reward_shown(milestone.reward)}
        ).data

    @extend_schema_field(serializers.DictField(help_text="每日签到奖励：" + REWARD_SHAPE))
    def get_daily_reward(self, board: CheckinBoard) -> dict:
        return reward_shown(board.setup.daily_reward)

    @extend_schema_field(MakeupInfoSerializer)
    def get_makeup(self, board: CheckinBoard) -> dict:
        return MakeupInfoSerializer(
            {
                "cost_points": board.setup.makeup_cost_points,
                "left_this_month": board.makeups_left,
                "per_month": board.setup.makeup_per_month if board.setup.makeup_cost_points else 0,
            }
        ).data

    @extend_schema_field(serializers.IntegerField(help_text="我的积分"))
    def get_points(self, board: CheckinBoard) -> int:
        return self.context["member"].points


class CheckinResultSerializer(serializers.Serializer):
    """A check-in's answer as _result writes it, for the schema (a test holds the two to the same fields)."""

    date = serializers.DateField(source="checkin.day")
    streak = serializers.IntegerField(source="checkin.streak")
    is_makeup = serializers.BooleanField(source="checkin.is_makeup")
    rewards = serializers.ListField(
        child=serializers.DictField(),
        help_text='[{"kind": "points", "points": 10}, {"kind": "coupon", "coupon": {"id", "title"}}]',
    )


class CheckinMakeupSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="要补签的日期（本月、今天以前）")


def _board(request) -> dict:
    member = request.user
    member.refresh_from_db(fields=["points"])
    return CheckinBoardSerializer(checkin_board(member=member), context={"member": member}).data


def checkin_result_json(result: CheckinResult) -> dict:
    """Written out rather than through a serializer: the whole membership checks in each
    morning, and DRF's fields cost the check-in more than its SQL."""
    checkin = result.checkin
    return {"date": checkin.day.isoformat(), "streak": checkin.streak, "is_makeup": checkin.is_makeup, "rewards": result.rewards}


def _result(result: CheckinResult) -> Response:
    return Response(checkin_result_json(result), status=status.HTTP_201_CREATED)


class CheckinApi(APIView):
    throttle_scope = "checkin"

    @extend_schema(responses={200: CheckinBoardSerializer, 409: error_response("campaign_not_active：没有进行中的签到活动")})
    def get(self, request):
        return Response(_board(request))

    @extend_schema(
        request=None,
        responses={
            201: CheckinResultSerializer,
            409: error_response("already_checked_in：今天已签到；campaign_not_active：没有进行中的签到活动"),
        },
    )
    def post(self, request):
        return _result(checkin_today(member=request.user))


class CheckinMakeupApi(APIView):
    throttle_scope = "checkin"

    @extend_schema(
        request=CheckinMakeupSerializer,
        responses={
            201: CheckinResultSerializer,
            409: error_response(
                "makeup_unavailable：这一天不能补签；makeup_limit_reached：本月补签次数已用完；insufficient_points：积分不足；"
                "already_checked_in：这一天已签到；campaign_not_active：没有进行中的签到活动"
            ),
        },
    )
    def post(self, request):
        body = CheckinMakeupSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _result(checkin_makeup(member=request.user, day=body.validated_data["date"]))
