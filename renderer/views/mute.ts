/**
 * Muting one chat, wherever a chat is shown (a reply-log row, an activity row, the chats list):
 * a "Mute…" disclosure with the contract's choices (1 hour, 8 hours, until unmuted), or, once
 * muted, until when and an Unmute button. The muted list lives in the store (the `muted` event
 * replaces it whole); views re-render their rows when it changes, so this builds plain DOM and
 * holds no subscription of its own.
 */
import type { MutedChatView } from '../../main/contract/api.js';
import { MUTE_CHOICES } from '../../main/contract/conversation.js';
import { h } from '../lib/dom.js';
import { formatFull, formatWhen } from '../lib/format.js';
import type { ViewContext } from './context.js';

/** "until 14:30", "until 13 May, 09:00", "until you unmute it". */
export function mutedUntilWords(until: number | null): string {
  return until === null ? 'until you unmute it' : `until ${formatWhen(until)}`;
}

/** The muted entry for a chat, if it is muted now. */
export function mutedEntry(muted: readonly MutedChatView[], chatId: string, now = Date.now()): MutedChatView | undefined {
  return muted.find((m) => m.chatId === chatId && (m.until === null || m.until > now));
}

/** Add or replace one entry (the `muted` event follows with the core's whole list). */
function upsert(list: readonly MutedChatView[], entry: MutedChatView): MutedChatView[] {
  return [...list.filter((m) => m.chatId !== entry.chatId), entry];
}

export async function muteChat(ctx: ViewContext, chatId: string, minutes: number | null, who: string): Promise<boolean> {
  const r = await ctx.run('muteChat', { chatId, minutes });
  if (!r.ok) return false;
  ctx.store.set({ muted: upsert(ctx.store.get().muted, r.value) });
  ctx.notify.info(`Auto-replies to ${who} are muted ${mutedUntilWords(r.value.until)}.`);
  return true;
}

export async function unmuteChat(ctx: ViewContext, chatId: string, who: string): Promise<boolean> {
  const r = await ctx.run('unmuteChat', { chatId });
  // Not muted (any more) is what the person wanted too: drop it from the list either way.
  if (!r.ok && r.error.kind !== 'not-found') return false;
  ctx.store.set({ muted: ctx.store.get().muted.filter((m) => m.chatId !== chatId) });
  ctx.notify.info(`Auto-replies to ${who} are on again.`);
  return true;
}

/**
 * The mute control for one chat. `who` names the chat in labels ("Mute the chat with Maria");
 * `refocus` runs after a change, once the view has re-rendered, to put focus back in the row.
 */
export function muteControl(
  ctx: ViewContext,
  chatId: string,
  who: string,
  refocus: (chatId: string) => void = () => undefined,
): HTMLElement {
  const entry = mutedEntry(ctx.store.get().muted, chatId);
  if (entry) {
    const unmute = h(
      'button',
      {
        type: 'button',
        class: 'link',
        'data-testid': 'chat-unmute',
        'data-chat-id': chatId,
        'aria-label': `Unmute the chat with ${who}`,
      },
      'Unmute',
    );
    unmute.addEventListener('click', () => {
      unmute.disabled = true;
      void unmuteChat(ctx, chatId, who).then((ok) => {
        if (ok) refocus(chatId);
        else unmute.disabled = false;
      });
    });
    const until = entry.until;
    return h(
      'div',
      { class: 'mute-state', 'data-testid': 'chat-muted', 'data-chat-id': chatId },
      h('span', { class: 'badge muted-badge' }, 'Muted'),
      ' ',
      h(
        'span',
        { class: 'muted' },
        until === null ? 'until unmuted' : h('time', { datetime: new Date(until).toISOString(), title: formatFull(until) }, `until ${formatWhen(until)}`),
      ),
      ' ',
      unmute,
    );
  }

  const summary = h(
    'summary',
    { class: 'mute-summary', 'data-testid': 'chat-mute', 'data-chat-id': chatId, 'aria-label': `Mute the chat with ${who}…` },
    'Mute…',
  );
  const menu = h('details', { class: 'mute-menu' }, summary);
  const choices = MUTE_CHOICES.map(({ label, minutes }) => {
    const button = h(
      'button',
      { type: 'button', class: 'secondary small', 'data-testid': 'chat-mute-choice', 'data-minutes': minutes ?? 'forever' },
      label,
    );
    button.addEventListener('click', () => {
      for (const b of choices) b.disabled = true;
      void muteChat(ctx, chatId, minutes, who).then((ok) => {
        if (ok) refocus(chatId);
        else for (const b of choices) b.disabled = false;
      });
    });
    return button;
  });
  menu.append(h('div', { class: 'mute-choices', role: 'group', 'aria-label': `Mute auto-replies to ${who} for` }, ...choices));
  // Escape closes the choices and goes back to "Mute…", as a menu would.
  menu.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !menu.open) return;
    event.preventDefault();
    menu.open = false;
    summary.focus();
  });
  menu.addEventListener('toggle', () => {
    if (menu.open) choices[0]?.focus();
  });
  return menu;
}

/** Focus the control of `chatId` inside `root` after a re-render (Unmute after muting, and back). */
export function focusMuteControl(root: ParentNode, chatId: string): void {
  const escaped = CSS.escape(chatId);
  root
    .querySelector<HTMLElement>(`[data-testid=chat-unmute][data-chat-id="${escaped}"], [data-testid=chat-mute][data-chat-id="${escaped}"]`)
    ?.focus();
}
