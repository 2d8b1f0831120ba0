"""`build_application(settings)`: the whole bot, wired, not yet started.

The composition knows the features only through what each describes of itself
(`bot.kit.feature.Feature`): it registers their guards, then their handlers stage by stage,
builds the notifier from their notice renderers and the navigator from their routes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from telegram import Update
from telegram.constants import FloodLimit, ParseMode
from telegram.ext import (
    ApplicationBuilder,
    ContextTypes,
    Defaults,
    TypeHandler,
)
from telegram.request import BaseRequest

from bot.kit import guards, jobs
from bot.kit.budget import BudgetRateLimiter, SendBudget
from bot.kit.campaigns import CHUNK_SIZE, CampaignExpander
from bot.kit.client import CallboardBot
from bot.kit.commands import Command, admin_command_names, publish_default_menu
from bot.kit.context import SERVICES_KEY, CallboardApp, CallboardContext, Services
from bot.kit.errors import on_error
from bot.kit.feature import Feature, Stage, navigator_of
from bot.kit.http import AiohttpRequest
from bot.kit.i18n import Catalogs
from bot.kit.inbox import InboxApplication, InboxQueue, ReceivedUpdates
from bot.kit.notifier import OutboxNotifier, Renderer, Renderers
from bot.kit.outbox import OutboxDispatcher, OutboxOptions
from bot.kit.persistence import SqlitePersistence
from bot.kit.processor import PerUserUpdateProcessor
from bot.kit.wizard import Wizard, one_wizard_at_a_time
from bot.settings import Settings
from handlers import (
    admin,
    browse,
    common,
    missions,
    onboarding,
    payouts,
    results,
    review,
    threads,
)
from services.notices import Notice
from services.ports import Deps, Rules
from storage.clock import Clock, SystemClock
from storage.database import Database
from storage.repositories import InboxRepository, Repositories

# Connections to Telegram for everything but the long poll. Sixteen calls in flight at
# Telegram's usual 50-200 ms answer already carry several times the 30 messages a second
# the budget lets through, callback answers included; every call scans the pool's idle
# connections, which at PTB's default of 256 costs more CPU than the call itself in a burst
# (docs/architecture.md). A call waits up to POOL_WAIT seconds for a free connection.
CONNECTIONS = 16
POOL_WAIT = 10.0

FEATURES: tuple[Feature, ...] = (
    onboarding.FEATURE,
    missions.FEATURE,
    review.FEATURE,
    browse.FEATURE,
    results.FEATURE,
    payouts.FEATURE,
    threads.FEATURE,
    admin.FEATURE,
    common.FEATURE,
)


# Sends the outbox may have under way at once: a few are plenty at 30 messages a second,
# paid broadcasts at up to 1,000 a second need as many as arrive in one Telegram round trip.
# Each is a message that may go out twice after a crash (delivery is at least once).
OUTBOX_CONCURRENCY = 8
PAID_OUTBOX_CONCURRENCY = 64

# How long a stop lets outbox sends under way finish; the rest stay pending and go out after
# the restart. With the inbox's limits (bot.kit.inbox) a stop takes about 3 s at most.
STOP_SEND_GRACE = 1.0


def all_commands() -> list[Command]:
    return [command for feature in FEATURES for command in feature.commands]


def notice_renderers() -> Renderers:
    """Every feature's renderers of the notices the rules send."""
    renderers: dict[type[Notice], Renderer] = {}
    for feature in FEATURES:
        for kind, render in feature.notices.items():
            if kind in renderers:
                raise ValueError(f"two features render {kind.__name__}")
            renderers[kind] = render
    return renderers


def rules_of(settings: Settings) -> Rules:
    return Rules(
        min_rate_cents=settings.min_rate,
        max_rate_cents=settings.max_rate,
        zone=settings.zone,
        fee_percent=Decimal(str(settings.platform_fee_percent)),
        review_window=timedelta(hours=settings.review_window_hours),
        dispute_window=timedelta(hours=settings.dispute_window_hours),
        admin_ids=settings.admin_ids,
        payment_terms=timedelta(days=settings.payment_terms_days),
        reminder_interval=timedelta(hours=settings.reminder_interval_hours),
        max_overdue_reminders=settings.max_overdue_reminders,
        quiet_hours=settings.quiet_window,
    )


def compose(application: CallboardApp, features: Sequence[Feature]) -> None:
    """Register every feature's guards and handlers. In the default group the first
    matching handler wins, so handlers go stage by stage (wizards, actions, free messages,
    fallbacks), in the features' order within a stage."""
    for feature in features:
        for group, guard in feature.guards:
            application.add_handler(guard, group=group)
    staged = sorted(
        (handler for feature in features for handler in feature.handlers), key=lambda h: h[0]
    )
    for _stage, handler in staged:
        application.add_handler(handler)
    commands = [command for feature in features for command in feature.commands]
    admin_buttons = [kind for feature in features for kind in feature.admin_buttons]
    application.add_handler(
        TypeHandler(Update, guards.admins_only(admin_command_names(commands), admin_buttons)),
        group=guards.ADMIN_GROUP,
    )
    wizards = [h for stage, h in staged if stage is Stage.WIZARDS and isinstance(h, Wizard)]
    diversions = [d for feature in features for d in feature.diversions]
    application.add_handler(
        TypeHandler(Update, one_wizard_at_a_time(wizards, diversions)), group=guards.WIZARD_GROUP
    )


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    outbox_options: OutboxOptions | None = None,
    flood_guard: guards.FloodGuard | None = None,
    persistence_interval: float = 1.0,
    overall_rate: float = FloodLimit.MESSAGES_PER_SECOND,
    fan_out_chunk: int = CHUNK_SIZE,
) -> CallboardApp:
    """`request` replaces the HTTP client (tests pass the fake Telegram); the other keyword
    arguments let tests control time, pacing (`overall_rate`, the send budget's messages a
    second: 0 lifts the cap on replies and notices), the flood limits and how many recipients
    of a fan-out are queued at a time."""
    clock = clock or SystemClock()
    options = outbox_options or OutboxOptions(
        chat_rate=settings.outbox_chat_rate,
        broadcast_rate=settings.broadcast_rate,
        concurrency=PAID_OUTBOX_CONCURRENCY if settings.broadcast_paid else OUTBOX_CONCURRENCY,
        stop_timeout=STOP_SEND_GRACE,
    )
    budget = SendBudget(overall_rate or None, settings.outbox_share, options.broadcast_rate)
    db = Database(settings.database_path, stats_file=settings.writer_stats_file)
    polled = ReceivedUpdates()
    update_queue = InboxQueue(db, InboxRepository(db, clock), None if request else polled)

    async def post_init(application: CallboardApp) -> None:
        await db.open()
        catalogs = Catalogs(settings.default_language, settings.currency, settings.zone)
        repos = Repositories.create(db, clock)
        dispatcher = OutboxDispatcher(
            application.bot, db, repos.outbox, repos.users, clock, options, budget
        )
        expander = CampaignExpander(db, repos.campaigns, fan_out_chunk)
        commands = all_commands()
        notifier = OutboxNotifier(catalogs, repos, notice_renderers())
        deps = Deps(db=db, repos=repos, notifier=notifier, clock=clock, rules=rules_of(settings))
        services = Services(
            settings=settings,
            catalogs=catalogs,
            outbox=dispatcher,
            expander=expander,
            commands=commands,
            deps=deps,
            navigator=navigator_of(FEATURES),
        )
        application.bot_data[SERVICES_KEY] = services
        await publish_default_menu(application.bot, commands, catalogs)
        await services.publish_admin_menus(application.bot)
        dispatcher.start()
        expander.start()
        jobs.schedule(application, settings, [job for f in FEATURES for job in f.jobs])
        # Before polling or the webhook starts, so these run ahead of anything new.
        await update_queue.queue_pending(application.bot)

    async def post_stop(application: CallboardApp) -> None:
        services: Services | None = application.bot_data.get(SERVICES_KEY)
        if services is not None:
            await services.expander.stop()
            await services.outbox.stop()

    async def post_shutdown(application: CallboardApp) -> None:
        await db.close()

    telegram_bot = CallboardBot(
        token=settings.bot_token.get_secret_value(),
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=None),
        # Handlers, the outbox and the jobs send concurrently; the long poll needs one.
        request=request or AiohttpRequest(CONNECTIONS, pool_timeout=POOL_WAIT),
        get_updates_request=request or AiohttpRequest(1, on_answer=polled.keep),
        # Every message the bot sends shares one budget at Telegram's overall limit (replies
        # first, notices keep their share); a 429 is not retried there but surfaced, so the
        # outbox can reschedule the row.
        rate_limiter=BudgetRateLimiter(budget),
    )
    builder = (
        ApplicationBuilder()
        .application_class(InboxApplication)
        .bot(telegram_bot)
        .update_queue(update_queue)
        .context_types(ContextTypes(context=CallboardContext))
        .persistence(SqlitePersistence(db, update_interval=persistence_interval))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .concurrent_updates(PerUserUpdateProcessor())
    )
    application: CallboardApp = builder.build()  # type: ignore[assignment]

    guards.register(application, flood_guard or guards.FloodGuard())
    compose(application, FEATURES)
    application.add_error_handler(on_error)
    return application
