/**
 * What the person is told, once, when a store had to be reset. Every store that finds its file
 * damaged sets it aside with `quarantineFile` (`name.corrupt-<time>`, next to the file) and
 * starts clean; this module finds those copies, says in plain words what each reset means and
 * where the copy is, and remembers which ones the person dismissed (`notices.json` in the data
 * folder), so a notice is shown until dismissed and never again after that.
 *
 * Finding the copies on disk, rather than having each store report them, means a reset is told
 * even when the app stopped before the window opened, and no store needs to know about the window.
 */
import { createHash } from 'node:crypto';
import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ResetStore, StoreResetView } from '../../contract/api.js';
import { writeFileAtomic } from '../storage/atomic-file.js';
import { getLogger } from '../logging/logger.js';

const COPY_MARK = '.corrupt-';

/** What each store's reset means for the person. `{copy}` is replaced by where the copy is. */
const WORDS: Record<ResetStore, { title: string; message: string }> = {
  settings: {
    title: 'Your settings could not be read',
    message:
      'The settings file was damaged, so Replyline started with the default settings, no rules, and auto-reply off. Check Settings and Rules before you switch auto-reply on again. The damaged file was kept as {copy}.',
  },
  session: {
    title: 'The saved WhatsApp session was set aside',
    message:
      'It was damaged or could not be unlocked, so this computer needs to be linked again with a new QR code. The old files were kept as {copy}.',
  },
  'data-key': {
    title: 'The key that protects your data could not be unlocked',
    message:
      'Replyline made a new one. Replies, history and lists that were locked with the old key could not be read and were set aside. The old key was kept as {copy}.',
  },
  outbox: {
    title: 'The list of replies waiting to go out was damaged',
    message:
      'Replyline kept every reply waiting to go out that it could read; any others were lost and will not be sent. The damaged file was kept as {copy}.',
  },
  'reply-log': {
    title: 'The reply log was damaged',
    message: 'Replyline kept every entry it could read; older entries may be missing. The damaged file was kept as {copy}.',
  },
  history: {
    title: 'The reconnect history was damaged',
    message: 'Replyline kept every entry it could read; older entries may be missing. The damaged file was kept as {copy}.',
  },
  'seen-messages': {
    title: 'The list of messages already answered was damaged',
    message:
      'Replyline kept what it could read. A message that arrives again from WhatsApp could get a second auto-reply. The damaged file was kept as {copy}.',
  },
  missed: {
    title: 'The “missed while offline” list was damaged',
    message: 'Replyline kept every entry it could read; some missed messages may no longer be listed. The damaged file was kept as {copy}.',
  },
  contacts: {
    title: 'The list of contacts already greeted was damaged',
    message: 'A “first message” rule may greet some contacts a second time. The damaged file was kept as {copy}.',
  },
  'chat-memory': {
    title: 'The chats remembered for AI replies were damaged',
    message: 'Replyline kept what it could read; AI replies may know less of earlier messages for a while. The damaged file was kept as {copy}.',
  },
  activity: {
    title: 'The activity list ("why no reply?") was damaged',
    message: 'Replyline kept every entry it could read; earlier decisions may be missing from Activity. Replies are not affected. The damaged file was kept as {copy}.',
  },
  mutes: {
    title: 'The list of muted chats was damaged',
    message:
      'Replyline kept what it could read; a chat you muted may get auto-replies again. Check the muted chats under Chats. The damaged file was kept as {copy}.',
  },
  'owner-activity': {
    title: 'The record of your own recent messages was damaged',
    message:
      'A chat where you wrote yourself in the last minutes may get an auto-reply before its pause is over. The damaged file was kept as {copy}.',
  },
  other: {
    title: 'A data file was damaged and set aside',
    message: 'Replyline started that part afresh. The damaged file was kept as {copy}.',
  },
};

/** Which store a file belongs to, by its name. */
function storeOf(fileName: string): ResetStore {
  switch (fileName) {
    case 'settings.json':
      return 'settings';
    case 'creds.bin':
    case 'keys.log':
    case 'session.key':
      return 'session';
    case 'data.key':
      return 'data-key';
    case 'outbox.log':
      return 'outbox';
    case 'replies.log':
      return 'reply-log';
    case 'history.log':
      return 'history';
    case 'inbound-seen.log':
      return 'seen-messages';
    case 'missed.log':
      return 'missed';
    case 'contacts-seen.log':
      return 'contacts';
    case 'chat-memory.log':
      return 'chat-memory';
    case 'activity.log':
      return 'activity';
    case 'mutes.log':
      return 'mutes';
    case 'owner-activity.log':
      return 'owner-activity';
    default:
      return 'other';
  }
}

const dismissedSchema = z.object({ dismissed: z.array(z.string().max(64)).max(10_000) });

interface Copy {
  file: string;
  store: ResetStore;
  at: number;
}

export interface StoreResetsOptions {
  /** The data folder: searched (three levels deep) and where `notices.json` lives. */
  dataDir: string;
  /** Other folders that hold a store's file (the desktop app's settings.json is outside the data folder). */
  extraDirs?: string[];
}

export class StoreResets {
  private current: StoreResetView[] = [];

  private constructor(
    private readonly options: StoreResetsOptions,
    private readonly file: string,
    private dismissed: Set<string>,
  ) {}

  static async open(options: StoreResetsOptions): Promise<StoreResets> {
    const file = path.join(options.dataDir, 'notices.json');
    const resets = new StoreResets(options, file, await readDismissed(file));
    await resets.rescan();
    return resets;
  }

  /** The notices not yet dismissed, newest first. */
  list(): StoreResetView[] {
    return this.current.map((n) => ({ ...n, copies: [...n.copies] }));
  }

  /** Look for copies again (a store may set its file aside while running). True when the list changed. */
  async rescan(): Promise<boolean> {
    const copies = await this.findCopies();
    const byStore = new Map<ResetStore, Copy[]>();
    for (const c of copies) {
      if (this.dismissed.has(copyId(c.file))) continue;
      byStore.set(c.store, [...(byStore.get(c.store) ?? []), c]);
    }
    const next: StoreResetView[] = [...byStore].map(([store, list]) => {
      list.sort((a, b) => a.at - b.at || a.file.localeCompare(b.file));
      const words = WORDS[store];
      const shown = list.length === 1 ? list[0]!.file : `${list[0]!.file} (and ${list.length - 1} more beside it)`;
      return {
        id: store,
        store,
        title: words.title,
        message: words.message.replace('{copy}', shown),
        copies: list.map((c) => c.file),
        at: Math.max(...list.map((c) => c.at)),
      };
    });
    next.sort((a, b) => b.at - a.at);
    const changed = JSON.stringify(next) !== JSON.stringify(this.current);
    this.current = next;
    return changed;
  }

  /** The person read it: never show these copies again. Returns false when there is no such notice. */
  async dismiss(id: string): Promise<boolean> {
    const notice = this.current.find((n) => n.id === id);
    if (!notice) return false;
    for (const c of notice.copies) this.dismissed.add(copyId(c));
    this.current = this.current.filter((n) => n !== notice);
    await writeFileAtomic(this.file, JSON.stringify({ dismissed: [...this.dismissed] }));
    return true;
  }

  private async findCopies(): Promise<Copy[]> {
    const found: Copy[] = [];
    const visit = async (dir: string, depth: number): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (depth > 0 && e.name !== 'logs') await visit(full, depth - 1);
          continue;
        }
        const mark = e.name.indexOf(COPY_MARK);
        if (mark <= 0 || !e.isFile()) continue;
        const stat = await fs.stat(full).catch(() => undefined);
        found.push({ file: full, store: storeOf(e.name.slice(0, mark)), at: stat?.ctimeMs ?? 0 });
      }
    };
    await visit(this.options.dataDir, 2);
    for (const dir of this.options.extraDirs ?? []) {
      if (path.resolve(dir) !== path.resolve(this.options.dataDir)) await visit(dir, 0);
    }
    return found;
  }
}

/** A copy's id in `notices.json`: a hash of its path (the file holds no paths). */
function copyId(file: string): string {
  return createHash('sha256').update(path.resolve(file)).digest('base64url').slice(0, 22);
}

async function readDismissed(file: string): Promise<Set<string>> {
  try {
    const parsed = dismissedSchema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
    if (parsed.success) return new Set(parsed.data.dismissed);
    getLogger('store-resets').warn('notices.json holds something else; every reset is shown again');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      getLogger('store-resets').warn({ err }, 'notices.json unreadable; every reset is shown again');
    }
  }
  return new Set();
}
