/**
 * Plug the real auto-reply engine into the reply pipeline: it needs the current settings (on/off,
 * pause, rules) on every decision and its responders' dependencies on every render.
 */
import type { AutoReplyEngine, DecideSettings, Decision as EngineDecision, RenderDeps } from '../autoreply/engine.js';
import type { ReplyEngine } from './types.js';

export function fromAutoReplyEngine(
  engine: Pick<AutoReplyEngine, 'decide' | 'renderReply'>,
  settings: () => DecideSettings,
  renderDeps: () => RenderDeps = () => ({}),
): ReplyEngine<EngineDecision> {
  return {
    decide: (message, options) => engine.decide(message, settings(), options),
    renderReply: (decision, { replyId }) => engine.renderReply(decision, { ...renderDeps(), replyId }),
  };
}
