// "Press the button on the box": asks the box to wait for a press, then
// polls until the press arrives or the wait runs out. Used by the setup
// wizard and by password recovery. In dev mode (simulated board) the page
// offers to press the simulated button.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { PresenceState } from '../../../api-types.ts';
import { ApiFailure } from '../api.tsx';
import { useApi } from '../ui.tsx';

interface PressButtonProps {
  /** GET: answers {presence, presenceExpiresAt}. */
  readonly statePath: string;
  /** POST: starts a wait; absent when only the caller can start one (recovery needs the password again). */
  readonly startPath?: string;
  /** POST: presses the simulated button. */
  readonly pressPath: string;
  readonly simButton: boolean;
  readonly initial: PresenceState;
  readonly onConfirmed: () => Promise<void> | void;
  /** Called for "ask again" when there is no startPath. */
  readonly onRestart?: () => void;
}

interface PresenceView {
  readonly presence: PresenceState;
  readonly presenceExpiresAt?: number;
}

export function PressButton(props: PressButtonProps) {
  const api = useApi();
  const [presence, setPresence] = useState<PresenceState>(props.initial);
  const [expiresAt, setExpiresAt] = useState<number | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [now, setNow] = useState(Date.now());
  const confirmedOnce = useRef(false);

  const apply = (view: PresenceView) => {
    setPresence(view.presence);
    setExpiresAt(view.presenceExpiresAt);
  };

  const start = async () => {
    if (!props.startPath) return props.onRestart?.();
    setError(undefined);
    try {
      apply(await api.send<PresenceView>('POST', props.startPath));
    } catch (err) {
      setError(
        err instanceof ApiFailure && err.code === 'PRESENCE_PENDING'
          ? 'Someone else is already waiting for the button. Try again in two minutes.'
          : String(err instanceof Error ? err.message : err),
      );
    }
  };

  // Ask for a press as soon as this step shows, unless one is already awaited.
  useEffect(() => {
    if (props.initial === 'idle' && props.startPath) void start();
  }, []);

  // Poll once a second while waiting (the box's answer flips to confirmed on the press).
  useEffect(() => {
    if (presence !== 'waiting') return;
    const timer = setInterval(async () => {
      setNow(Date.now());
      try {
        apply(await api.get<PresenceView>(props.statePath));
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [presence]);

  useEffect(() => {
    if (presence === 'confirmed' && !confirmedOnce.current) {
      confirmedOnce.current = true;
      void props.onConfirmed();
    }
  }, [presence]);

  const pressSimulated = async () => {
    setError(undefined);
    try {
      apply(await api.send<PresenceView>('POST', props.pressPath));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const secondsLeft = expiresAt ? Math.max(0, Math.round((expiresAt - now) / 1000)) : undefined;
  return (
    <div class="stack" aria-live="polite">
      {presence === 'waiting' ? (
        <div class="waiting">
          <span class="spinner" aria-hidden="true" />
          <span>Waiting for the button… {secondsLeft !== undefined ? <span class="muted">({secondsLeft} seconds left)</span> : null}</span>
        </div>
      ) : null}
      {presence === 'confirmed' ? <p class="notice ok">Button pressed. Thank you!</p> : null}
      {presence === 'expired' || (presence === 'idle' && !props.startPath) ? (
        <div class="stack">
          {presence === 'expired' ? <p class="notice warn">The button was not pressed in time.</p> : null}
          <button type="button" onClick={() => void start()}>
            Ask again
          </button>
        </div>
      ) : null}
      {presence === 'idle' && props.startPath ? (
        <button type="button" onClick={() => void start()}>
          I am at the box: wait for the button
        </button>
      ) : null}
      {props.simButton && presence === 'waiting' ? (
        <div class="notice warn stack">
          <p>This box runs in test mode without a real button.</p>
          <button type="button" class="secondary" onClick={() => void pressSimulated()}>
            Press the simulated button
          </button>
        </div>
      ) : null}
      {error ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
