"""PTB persistence in the application's database, so a half-finished wizard survives a
restart. Only user_data and conversation states are kept: wizards store their drafts in
user_data, and bot/chat data are not used.

PTB hands over every active user's data at each interval whether it changed or not; what
was last written is remembered, so only changes reach the single writer.

PTB writes changes every `update_interval` (1 s here) and at shutdown, so a crash (not a
stop) can lose the last second of wizard input; the changes a wizard makes to missions,
profiles and the outbox are committed at once, in their own transactions."""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

# PTB's names for what it hands a persistence; only the wizard module reaches PTB internals.
from bot.kit.wizard import CDCData, ConversationDict, ConversationKey
from storage.database import Database

UserData = dict[str, Any]


class SqlitePersistence(BasePersistence[UserData, dict[str, Any], dict[str, Any]]):
    def __init__(self, db: Database, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._db = db
        # What the database holds, as written: user id → JSON, (name, key JSON) → JSON.
        self._user_rows: dict[int, str] = {}
        self._conversation_rows: dict[tuple[str, str], str] = {}

    async def get_user_data(self) -> dict[int, UserData]:
        await self._db.open()
        rows = await self._db.read.fetch_all("SELECT user_id, data FROM persistence_user_data")
        self._user_rows = {int(row["user_id"]): str(row["data"]) for row in rows}
        return {user_id: json.loads(data) for user_id, data in self._user_rows.items()}

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        await self._db.open()
        rows = await self._db.read.fetch_all(
            "SELECT key, state FROM persistence_conversations WHERE name = ?", (name,)
        )
        for row in rows:
            self._conversation_rows[(name, str(row["key"]))] = str(row["state"])
        return {tuple(json.loads(row["key"])): json.loads(row["state"]) for row in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        row = (name, json.dumps(list(key)))
        state = None if new_state is None else json.dumps(new_state)
        if self._conversation_rows.get(row) == state:
            return
        if state is None:
            await self._db.write(
                lambda tx: tx.execute(
                    "DELETE FROM persistence_conversations WHERE name = ? AND key = ?", row
                )
            )
        else:
            await self._db.write(
                lambda tx: tx.execute(
                    """
                    INSERT INTO persistence_conversations (name, key, state) VALUES (?, ?, ?)
                    ON CONFLICT (name, key) DO UPDATE SET state = excluded.state
                    """,
                    (*row, state),
                )
            )
        self._remember(self._conversation_rows, row, state)

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        written = json.dumps(data) if data else None
        if self._user_rows.get(user_id) == written:
            return
        if written is None:
            await self._db.write(
                lambda tx: tx.execute(
                    "DELETE FROM persistence_user_data WHERE user_id = ?", (user_id,)
                )
            )
        else:
            await self._db.write(
                lambda tx: tx.execute(
                    """
                    INSERT INTO persistence_user_data (user_id, data) VALUES (?, ?)
                    ON CONFLICT (user_id) DO UPDATE SET data = excluded.data
                    """,
                    (user_id, written),
                )
            )
        self._remember(self._user_rows, user_id, written)

    @staticmethod
    def _remember(rows: dict[Any, str], key: Any, written: str | None) -> None:
        if written is None:
            rows.pop(key, None)
        else:
            rows[key] = written

    async def drop_user_data(self, user_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM persistence_user_data WHERE user_id = ?", (user_id,))
        self._user_rows.pop(user_id, None)

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        """Chat data is not stored."""

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        """Bot data is not stored."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Callback data is not stored: our buttons carry their own encoded data."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not stored."""

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """user_data lives in memory between writes; nothing to refresh."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Chat data is not stored."""

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        """Bot data is not stored."""

    async def flush(self) -> None:
        """Nothing is buffered here: PTB hands over changes every `update_interval` seconds
        (and once more at shutdown), and each is written as it comes."""
