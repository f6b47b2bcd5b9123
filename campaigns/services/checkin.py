"""Daily check-in (签到): one row per member and Asia/Shanghai day, rewards only for the row
that was inserted, streaks with their milestones, and make-up days (补签) for points.

Concurrency: the unique key (member, day) is what makes a check-in once a day, however many
taps arrive at once — the insert skips a day already taken (ON CONFLICT DO NOTHING) and
that is `already_checked_in`, so rewards follow only the one insert that won. Check-ins and make-ups of one member also
hold the member's row (SELECT … FOR UPDATE, the row the points ledger moves anyway) for
their transaction: a streak read from yesterday and a make-up renumbering the days after it
cannot interleave, and the monthly make-up count is read and used under that lock, so two
make-ups at the limit never both pass.

Streaks are stored on each row (the streak as of that day). A make-up fills a hole and
renumbers the rows after it that the filled hole now joins, so every stored streak stays
what a day-by-day count would give. Milestones are paid by the check-in whose streak
reaches them, keyed by milestone and day. A make-up joining a run of k days before the hole
to a run of j days after it makes one run of k + 1 + j: it pays the milestones m with
max(k, j) < m <= k + 1 + j — those the joined run reaches and neither part had reached —
on the day the joined run reaches each, so no run is paid the same milestone twice.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from campaigns.errors import AlreadyCheckedIn, CampaignNotActive, MakeupLimitReached, MakeupUnavailable
from campaigns.models import (
    Campaign,
    Checkin,
    CheckinMilestone,
    CheckinSetup,
    MilestoneMode,
    Reward,
    RewardKind,
    StreakCycle,
)
from campaigns.selectors import campaign_is_running, checkin_setups_live
from campaigns.services.chain import Step, chain_run
from campaigns.services.participation import audience_check, participation_step
from campaigns.services.rewards import reward_give, reward_given, reward_movement
from members.models import Member, PointsReason
from members.services.ledgers import Movement, ledger_move_back, ledger_moves_steps
from members.services.points import points_move


@dataclass(frozen=True)
class CheckinResult:
    checkin: Checkin
    rewards: list[dict]  # as reward_give describes them: {"kind": "points", "points": 10} …


def checkin_setup_running(*, now=None) -> CheckinSetup:
    """The running check-in campaign's rules (the latest started, when two overlap), or
    CampaignNotActive (also when the campaign runs but nobody has set its rules yet)."""
    now = now or timezone.now()
    running = [setup for setup in checkin_setups_live() if campaign_is_running(setup.campaign, now=now)]
    if not running:
        raise CampaignNotActive()
    return max(running, key=lambda setup: (setup.campaign.starts_at, setup.campaign_id))


def cycle_starts(day: date, cycle: str) -> bool:
    """Whether a streak starts over on this day whatever came before (Monday, the 1st)."""
    return (cycle == StreakCycle.WEEK and day.weekday() == 0) or (cycle == StreakCycle.MONTH and day.day == 1)


def checkin_today(*, member: Member, now=None) -> CheckinResult:
    """Check the member in for today (Asia/Shanghai) in the running check-in campaign:
    the day's reward, a milestone's when the streak reaches one. AlreadyCheckedIn when
    today is taken; CampaignNotActive when none runs."""
    now = now or timezone.now()
    setup = checkin_setup_running(now=now)
    audience_check(campaign=setup.campaign, member=member)
    day = timezone.localdate(now)
    with transaction.atomic():
        # Two statements, not one: the streak is read from yesterday's row, which a make-up
        # holding the member's row may be renumbering (or inserting). Inside one statement
        # that read would use the snapshot taken when the statement began — before the lock
        # was granted — and miss what the make-up committed while we waited. Read in the
        # next statement, after the lock, it sees it.
        _hold(setup, member_id=member.pk)
        daily = reward_movement(
            reward=setup.daily_reward,
            source_key=_daily_key(member.pk, day),
            note=f"签到 {day.isoformat()}",
            points_reason=PointsReason.CHECKIN,
        )
        daily_steps = _daily_steps(setup, daily, member_id=member.pk)
        created_at = timezone.now()
        rows = chain_run(
            [_insert_step(setup, member_id=member.pk, day=day, is_makeup=False, created_at=created_at), *daily_steps]
        )
        checkin = _inserted(setup, rows["inserted"], member_id=member.pk, day=day, is_makeup=False, created_at=created_at)
        milestones = [m for m in setup.milestones.all() if m.streak_days == checkin.streak]
        rewards = _give(setup, checkin, milestones, daily=_daily_given(setup, daily, daily_steps, rows, member_id=member.pk))
    return CheckinResult(checkin, rewards)


def checkin_makeup(*, member: Member, day: date, now=None) -> CheckinResult:
    """Make up a missed day (补签) of this month before today, inside the running campaign,
    for setup.makeup_cost_points points (taken in this transaction): the day's reward, and
    the streak joined across it. MakeupUnavailable, MakeupLimitReached, AlreadyCheckedIn,
    InsufficientPoints — and then nothing changed."""
    now = now or timezone.now()
    setup = checkin_setup_running(now=now)
    today = timezone.localdate(now)
    if not makeup_allowed(setup, day=day, today=today):
        raise MakeupUnavailable()
    with transaction.atomic():
        _hold(setup, member_id=member.pk)
        # Read under the member's lock: every make-up of this member waits here, so the
        # count cannot be stale when it is used.
        if makeups_used(member_id=member.pk, today=today) >= setup.makeup_per_month:
            raise MakeupLimitReached()
        created_at = timezone.now()
        rows = chain_run([_insert_step(setup, member_id=member.pk, day=day, is_makeup=True, created_at=created_at)])
        checkin = _inserted(setup, rows["inserted"], member_id=member.pk, day=day, is_makeup=True, created_at=created_at)
        points_move(
            member_id=member.pk,
            amount=-setup.makeup_cost_points,
            reason=PointsReason.MAKEUP,
            source_key=f"checkin:{member.pk}:{day.isoformat()}:makeup",
            note=f"补签 {day.isoformat()}",
        )
        before, after = checkin.streak - 1, _renumber_after(setup, checkin)
        reached = [m for m in setup.milestones.all() if max(before, after) < m.streak_days <= checkin.streak + after]
        rewards = _give(setup, checkin, [m for m in reached if m.streak_days == checkin.streak])
        for milestone in reached:
            if milestone.streak_days != checkin.streak:  # reached on a later day of the joined run
                rewards += _give_milestones(
                    member_id=member.pk, day=day + timedelta(days=milestone.streak_days - checkin.streak), milestones=[milestone]
                )
    return CheckinResult(checkin, rewards)


def makeup_allowed(setup: CheckinSetup, *, day: date, today: date) -> bool:
    """The rule for a day (not yet whether it is free, nor the monthly count): make-ups on,
    a day of this month before today, and not before the campaign started."""
    return (
        setup.makeup_cost_points > 0
        and day < today
        and (day.year, day.month) == (today.year, today.month)
        and day >= timezone.localdate(setup.campaign.starts_at)
    )


def makeups_used(*, member_id: int, today: date) -> int:
    return Checkin.objects.filter(member_id=member_id, is_makeup=True, day__gte=today.replace(day=1), day__lte=today).count()


def _hold(setup: CheckinSetup, *, member_id: int) -> None:
    """The member's row held for the transaction, and their participation recorded in the
    same statement. (SQLite locks the whole database on the first write instead.)"""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    chain_run(
        [
            Step("held", f"SELECT id FROM {Member._meta.db_table} WHERE id = %(member)s{lock}", {"member": member_id}, ("id",)),
            participation_step(campaign_id=setup.campaign_id, member_id=member_id, after="held"),
        ]
    )


def _insert_step(setup: CheckinSetup, *, member_id: int, day: date, is_makeup: bool, created_at) -> Step:
    """The day's row, its streak counted from the day before in the same campaign; the
    unique key decides, and when the day is taken it inserts nothing."""
    table, ops = Checkin._meta.db_table, connection.ops
    return Step(
        "inserted",
        f"""INSERT INTO {table} (campaign_id, member_id, day, streak, is_makeup, created_at)
            SELECT %(campaign)s, %(member)s, %(day)s, CASE WHEN %(starts_over)s THEN 1 ELSE COALESCE(
                (SELECT streak FROM {table} WHERE campaign_id = %(campaign)s AND member_id = %(member)s AND day = %(yesterday)s), 0) + 1 END,
                %(makeup)s, %(now)s
            WHERE true
            ON CONFLICT (member_id, day) DO NOTHING RETURNING id, streak""",
        {
            "campaign": setup.campaign_id,
            "member": member_id,
            "day": ops.adapt_datefield_value(day),
            "starts_over": cycle_starts(day, setup.cycle),
            "yesterday": ops.adapt_datefield_value(day - timedelta(days=1)),
            "makeup": is_makeup,
            "now": ops.adapt_datetimefield_value(created_at),
        },
        ("id", "streak"),
    )


def _inserted(setup: CheckinSetup, row: tuple | None, *, member_id: int, day: date, is_makeup: bool, created_at) -> Checkin:
    """The row the insert returned, or AlreadyCheckedIn when the day was taken."""
    if row is None:
        raise AlreadyCheckedIn("今天已经签到过了" if not is_makeup else "这一天已经签到过了")
    checkin = Checkin(
        pk=row[0],
        campaign=setup.campaign,
        member_id=member_id,
        day=day,
        streak=row[1],
        is_makeup=is_makeup,
        created_at=created_at,
    )
    checkin._state.adding = False
    return checkin


def _daily_key(member_id: int, day: date) -> str:
    return f"checkin:{member_id}:{day.isoformat()}"


def _daily_steps(setup: CheckinSetup, daily: Movement | None, *, member_id: int) -> list[Step]:
    """The day's reward moved in the insert's statement, when it is points or balance (a
    coupon is given after). On a milestone's day in replace mode it is left to _give: the
    milestone takes its place only if it gives something."""
    if daily is None:
        return []
    when, params = "EXISTS (SELECT 1 FROM inserted)", {}
    replacing = [m.streak_days for m in setup.milestones.all()] if setup.milestone_mode == MilestoneMode.REPLACE else []
    if replacing:
        params = {f"milestone{n}": days for n, days in enumerate(replacing)}
        when += f" AND (SELECT streak FROM inserted) NOT IN ({', '.join(f'%({name})s' for name in params)})"
    moves = ledger_moves_steps(member_id=member_id, movements=[daily], when=when, needs=("inserted",), params=params, once=True)
    return [Step(*step) for step in moves]


def _daily_given(setup: CheckinSetup, daily: Movement | None, steps: list[Step], rows: dict, *, member_id: int):
    """What the insert's statement gave of the day's reward: the reward as shown; None when
    its source had given it already (the total, moved with the statement, is put back);
    NOT_GIVEN when the statement left it to _give."""
    if not steps or rows[steps[0].name] is None:
        return NOT_GIVEN
    if rows[steps[-1].name] is None:
        ledger_move_back(daily.ledger, member_id=member_id, amount=daily.amount)
        return None
    return reward_given(setup.daily_reward)


NOT_GIVEN = object()


def _give(setup: CheckinSetup, checkin: Checkin, milestones: list[CheckinMilestone], *, daily=NOT_GIVEN) -> list[dict]:
    """The milestones reached and the day's reward (unless the check-in's own statement gave
    it: `daily`), once per source. A replacing milestone takes the day's reward's place
    only if it gave something (a coupon may have run out)."""
    member_id, day = checkin.member_id, checkin.day.isoformat()
    given = _give_milestones(member_id=member_id, day=checkin.day, milestones=milestones)
    if daily is NOT_GIVEN:
        daily = None
        if not (given and setup.milestone_mode == MilestoneMode.REPLACE):
            daily = reward_give(
                reward=setup.daily_reward,
                member_id=member_id,
                source_key=_daily_key(member_id, checkin.day),
                note=f"{'补签' if checkin.is_makeup else '签到'} {day}",
                points_reason=PointsReason.CHECKIN,
            )
    return [daily, *given] if daily else given


def _give_milestones(*, member_id: int, day: date, milestones: list[CheckinMilestone]) -> list[dict]:
    given = [
        reward_give(
            reward=m.reward,
            member_id=member_id,
            source_key=f"checkin:{member_id}:{day.isoformat()}:streak{m.streak_days}",
            note=f"连续签到 {m.streak_days} 天",
            points_reason=PointsReason.CHECKIN,
        )
        for m in milestones
    ]
    return [g for g in given if g]


def _renumber_after(setup: CheckinSetup, filled: Checkin) -> int:
    """The days after a filled hole carry on its streak until the next gap or cycle start.
    How many days it joined."""
    later = Checkin.objects.filter(campaign=setup.campaign, member_id=filled.member_id, day__gt=filled.day).order_by("day")
    streak, expected = filled.streak, filled.day + timedelta(days=1)
    for row in later.only("pk", "day", "streak"):
        if row.day != expected or cycle_starts(row.day, setup.cycle):
            break
        streak += 1
        if row.streak != streak:
            Checkin.objects.filter(pk=row.pk).update(streak=streak)
        expected += timedelta(days=1)
    return streak - filled.streak


# --- What the check-in page and GET /api/v1/checkin show -------------------------------
# (Reads, kept beside the rules they mirror: the streak, the cycle, what a make-up may fill.)


@dataclass(frozen=True)
class CheckinDay:
    date: date
    checked_in: bool
    is_makeup: bool
    can_make_up: bool
    is_today: bool


@dataclass(frozen=True)
class NextMilestone:
    milestone: CheckinMilestone
    days_left: int


@dataclass(frozen=True)
class CheckinBoard:
    setup: CheckinSetup
    today: date
    checked_in_today: bool
    streak: int
    month: list[CheckinDay]
    next: NextMilestone | None
    makeups_left: int  # this month; 0 when make-ups are off

    @property
    def campaign(self) -> Campaign:
        return self.setup.campaign

    @property
    def leading_blanks(self) -> range:
        """Empty cells before the 1st in a calendar whose weeks start on Monday."""
        return range(self.month[0].date.weekday())


def checkin_board(*, member: Member, now=None) -> CheckinBoard:
    """The member's month at a glance, or CampaignNotActive; the same number of queries
    whatever the month holds."""
    now = now or timezone.now()
    setup = checkin_setup_running(now=now)
    today = timezone.localdate(now)
    first = today.replace(day=1)
    last = today.replace(day=monthrange(today.year, today.month)[1])
    rows = {
        row.day: row
        for row in Checkin.objects.filter(member=member, day__gte=min(first, today - timedelta(days=1)), day__lte=last).only(
            "day", "streak", "is_makeup", "campaign_id"
        )
    }
    mine = rows.get(today)
    yesterday = rows.get(today - timedelta(days=1))
    if mine is not None:
        streak = mine.streak
    elif yesterday is not None and yesterday.campaign_id == setup.campaign_id and not cycle_starts(today, setup.cycle):
        streak = yesterday.streak
    else:
        streak = 0
    makeups_left = (
        max(0, setup.makeup_per_month - sum(1 for row in rows.values() if row.is_makeup and row.day >= first))
        if setup.makeup_cost_points
        else 0
    )
    month = [
        CheckinDay(
            date=day,
            checked_in=day in rows,
            is_makeup=day in rows and rows[day].is_makeup,
            is_today=day == today,
            can_make_up=bool(makeups_left) and day not in rows and makeup_allowed(setup, day=day, today=today),
        )
        for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
    ]
    return CheckinBoard(
        setup=setup,
        today=today,
        checked_in_today=mine is not None,
        streak=streak,
        month=month,
        next=_next_milestone(setup, today=today, streak=streak, checked_in_today=mine is not None),
        makeups_left=makeups_left,
    )


def _next_milestone(setup: CheckinSetup, *, today: date, streak: int, checked_in_today: bool) -> NextMilestone | None:
    """The next milestone the member can still reach before the cycle restarts or the
    campaign ends, checking in every day from now on."""
    last_day = timezone.localdate(setup.campaign.ends_at - timedelta(microseconds=1))
    if setup.cycle == StreakCycle.WEEK:
        last_day = min(last_day, today + timedelta(days=6 - today.weekday()))
    elif setup.cycle == StreakCycle.MONTH:
        last_day = min(last_day, today.replace(day=monthrange(today.year, today.month)[1]))
    first_day = today + timedelta(days=1) if checked_in_today else today
    reachable = streak + max(0, (last_day - first_day).days + 1)
    for milestone in setup.milestones.all():  # ordered by streak_days
        if streak < milestone.streak_days <= reachable:
            return NextMilestone(milestone, milestone.streak_days - streak)
    return None


def reward_shown(reward: Reward) -> dict:
    """A reward not yet given, as the API shows it: like reward_give's answer, the coupon
    being its template."""
    if reward.kind == RewardKind.POINTS:
        return {"kind": "points", "points": reward.points, "label": str(reward)}
    if reward.kind == RewardKind.COUPON:
        template = reward.coupon_template
        return {"kind": "coupon", "coupon": {"template_id": template.pk, "title": template.title}, "label": str(reward)}
    return {"kind": "balance", "balance_fen": reward.balance_fen, "label": str(reward)}
