from tests.harness import BotHarness


async def test_start_shows_role_choice(bot: BotHarness) -> None:
    alice = bot.user("Alice", language="en")
    await alice.send("/start")
    assert "Welcome to Callboard" in alice.last_text
    await alice.tap("Company")
    assert "company's name" in alice.last_text
