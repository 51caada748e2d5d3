import type { ChatButton, Message, MessageId, UserId } from "../lib/backend";

export const BOT = Symbol("okno-bot");

/** What a bot message's buttons need from their chat. */
export interface BotButtons {
  /** The message whose buttons can still be pressed (null: none). */
  readonly active: MessageId | null;
  /** A press is on its way. */
  readonly pressing: boolean;
  press(m: Message, b: ChatButton): void;
}

/** The last message with buttons, unless the user has written since: older buttons are obsolete. */
export function activeButtons(messages: readonly Message[], me: UserId | null): MessageId | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.bot?.buttons.length) return m.id;
    if (m.kind !== "notice" && m.sender_id === me) return null;
  }
  return null;
}
