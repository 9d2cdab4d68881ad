"""How one reply's stream events show up: in its message, the status bar and the transcript.

Text and reasoning go into the reply's ``AssistantMessage``; usage, the
answering model and the state go to the status bar; a retry shows a
countdown above the reply (removed by the next event), and a model switch or
a reply cut at the length limit adds a notice. When the stream ends,
``settle`` puts the reply in its final form (or removes it and says why
there is none). The chat screen makes one ``ReplyEvents`` per reply and feeds
it every event its worker receives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kimitui.chat.conversation import MessageState
from kimitui.chat.events import (
    Finished,
    ModelSwitched,
    ReasoningDelta,
    Retrying,
    StreamEvent,
    TextDelta,
    Usage,
)
from kimitui.ui.widgets.retry_countdown import RetryCountdown
from kimitui.ui.widgets.status_bar import StatusBar
from kimitui.ui.widgets.transcript import Transcript

if TYPE_CHECKING:
    # Only a type here: the chat screen imports this module at start-up, and
    # the reply widget (Markdown, Pygments) loads with the first message.
    from kimitui.ui.widgets.message import AssistantMessage

LENGTH_LIMIT = "The reply reached the length limit and was cut short."
STOPPED_EARLY = "Stopped before Kimi replied."


class ReplyEvents:
    """Renders the events of one reply as they arrive."""

    def __init__(self, view: AssistantMessage, transcript: Transcript, status_bar: StatusBar):
        """Start rendering into ``view``.

        Args:
            view: the reply's message, already in the transcript.
            transcript: where notices and the retry countdown go.
            status_bar: shows the state, usage and answering model.
        """
        self.view = view
        """The reply being rendered."""
        self._transcript = transcript
        self._status_bar = status_bar
        self._countdown: RetryCountdown | None = None

    async def show(self, event: StreamEvent) -> None:
        """Put ``event`` on screen."""
        await self.clear_countdown()
        status_bar = self._status_bar
        if isinstance(event, TextDelta):
            status_bar.state = "streaming"
            await self.view.write(event.text)
        elif isinstance(event, ReasoningDelta):
            status_bar.state = "thinking"
            await self.view.write_reasoning(event.text)
        elif isinstance(event, Usage):
            status_bar.record_usage(event)
        elif isinstance(event, Finished):
            status_bar.answered_by = event.model
            if event.finish_reason == "length":
                await self._transcript.add_notice(LENGTH_LIMIT, kind="warning")
        elif isinstance(event, Retrying):
            status_bar.state = "retrying"
            self._countdown = RetryCountdown(
                event.reason, event.delay, event.attempt, event.max_attempts
            )
            await self._transcript.add(self._countdown, before=self.view)
        elif isinstance(event, ModelSwitched):
            status_bar.model = event.new
            await self._transcript.add_notice(event.reason, kind="warning", before=self.view)

    async def settle(self, outcome: MessageState, failure: str | None) -> bool:
        """Show how the reply ended: its final form, or why there is none.

        Args:
            outcome: how the stream ended (complete, interrupted, incomplete).
            failure: the error to show, if the request failed.

        Returns:
            Whether the user's message should go back in the prompt (nothing was answered).
        """
        view = self.view
        await self.clear_countdown()
        if view.text or (view.thinking is not None and view.thinking.text):
            await view.finish(outcome)
        else:
            await view.abandon()
            await view.remove()
        stopped_early = outcome is MessageState.INTERRUPTED and not view.text
        if failure is not None:
            await self._transcript.add_notice(failure, kind="error")
        elif stopped_early:
            await self._transcript.add_notice(STOPPED_EARLY, kind="warning")
        self._status_bar.state = {
            MessageState.COMPLETE: "ready",
            MessageState.INTERRUPTED: "stopped",
        }.get(outcome, "failed")
        return failure is not None or stopped_early

    async def clear_countdown(self) -> None:
        """Remove the retry countdown, if one is shown."""
        if self._countdown is not None:
            countdown, self._countdown = self._countdown, None
            await countdown.remove()
