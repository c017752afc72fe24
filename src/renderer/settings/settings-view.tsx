/**
 * The Settings view: sign-in, backend address, concurrency, bandwidth limit, notifications, start
 * at login, reading each file again after uploading it. Settings IT has set by policy are shown disabled, with the reason they are locked.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { AuthStatus, Settings } from '../../shared/ipc-contract.js';
import { useApi } from '../api-context.js';
import { ErrorBanner } from '../components/error-banner.js';
import { describeError } from '../errors.js';
import { draftOf, patchOf, type SettingName, type SettingsDraft } from './settings-form.js';

export function SettingsView() {
  const api = useApi();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [draft, setDraft] = useState<SettingsDraft | null>(null);
  const [problems, setProblems] = useState<Partial<Record<SettingName, string>>>({});
  const [auth, setAuth] = useState<AuthStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const unsubscribe = api.onAuthChanged((status) => setAuth(status));
    const fail = (reason: unknown) => live && setError(describeError(reason));
    api.settingsGet().then((loaded) => {
      if (!live) return;
      setSettings(loaded);
      setDraft(draftOf(loaded));
    }, fail);
    api.authStatus().then((status) => live && setAuth(status), fail);
    return () => {
      live = false;
      unsubscribe();
    };
  }, [api]);

  if (settings === null || draft === null) {
    return (
      <div className="settings-view">
        <h1>Settings</h1>
        <ErrorBanner message={error} onDismiss={() => setError(null)} />
        <p className="empty">Loading…</p>
      </div>
    );
  }

  const edit = (patch: Partial<SettingsDraft>) => setDraft({ ...draft, ...patch });
  const save = (event: FormEvent) => {
    event.preventDefault();
    const result = patchOf(settings, draft);
    if (!result.ok) {
      setProblems(result.problems);
      return;
    }
    setProblems({});
    api.settingsSet(result.patch).then(
      (saved) => {
        setSettings(saved);
        setDraft(draftOf(saved));
        setError(null);
        setNotice('Settings saved.');
      },
      (reason: unknown) => setError(describeError(reason)),
    );
  };

  /** A labelled field, disabled with its lock reason when policy sets it, and its problem if any. */
  const field = (name: SettingName, label: string, control: (props: FieldProps) => ReactNode) => {
    const { source, lockedReason } = settings[name];
    const locked = source === 'policy';
    const hintId = `setting-${name}-hint`;
    const hint = locked ? `Locked: ${lockedReason ?? 'set by your organisation'}` : problems[name];
    return (
      <div className={locked ? 'setting setting-locked' : 'setting'}>
        {control({ id: `setting-${name}`, label, disabled: locked, describedBy: hint === undefined ? undefined : hintId, invalid: problems[name] !== undefined })}
        {hint !== undefined && (
          <p id={hintId} className={locked ? 'lock-reason' : 'field-problem'}>
            {hint}
          </p>
        )}
      </div>
    );
  };
  const text = (name: 'backendUrl' | 'concurrency' | 'maxActiveTransfers' | 'bandwidthLimit', type: 'url' | 'text' | 'number') =>
    function TextControl(props: FieldProps) {
      return (
        <label htmlFor={props.id}>
          {props.label}
          <input
            id={props.id}
            type={type}
            value={draft[name]}
            disabled={props.disabled}
            aria-describedby={props.describedBy}
            aria-invalid={props.invalid || undefined}
            onChange={(event) => edit({ [name]: event.target.value })}
          />
        </label>
      );
    };
  const checkbox = (name: 'notifications' | 'startAtLogin' | 'verifyFile') =>
    function CheckboxControl(props: FieldProps) {
      return (
        <label htmlFor={props.id} className="checkbox">
          <input
            id={props.id}
            type="checkbox"
            checked={draft[name]}
            disabled={props.disabled}
            aria-describedby={props.describedBy}
            onChange={(event) => edit({ [name]: event.target.checked })}
          />
          {props.label}
        </label>
      );
    };

  return (
    <div className="settings-view">
      <h1>Settings</h1>
      <ErrorBanner message={error} onDismiss={() => setError(null)} />
      <AuthSection auth={auth} defaultUrl={settings.backendUrl.value ?? ''} onError={setError} onAuth={setAuth} />
      <form className="settings-form" aria-label="Upload settings" onSubmit={save} noValidate>
        {field('backendUrl', 'Backend address', text('backendUrl', 'url'))}
        {field('concurrency', 'Parts uploaded at once', text('concurrency', 'number'))}
        {field('maxActiveTransfers', 'Files uploaded at once', text('maxActiveTransfers', 'number'))}
        {field('bandwidthLimit', 'Bandwidth limit (empty for none, e.g. 10MB/s)', text('bandwidthLimit', 'text'))}
        {field('notifications', 'Show notifications', checkbox('notifications'))}
        {field('startAtLogin', 'Start at login', checkbox('startAtLogin'))}
        {field('verifyFile', 'Read each file again after uploading it to check it (slower: reads the whole file a second time)', checkbox('verifyFile'))}
        <button type="submit">Save settings</button>
        {notice !== null && <span role="status">{notice}</span>}
      </form>
    </div>
  );
}

interface FieldProps {
  readonly id: string;
  readonly label: string;
  readonly disabled: boolean;
  readonly describedBy: string | undefined;
  readonly invalid: boolean;
}

function AuthSection({
  auth,
  defaultUrl,
  onError,
  onAuth,
}: {
  readonly auth: AuthStatus | null;
  readonly defaultUrl: string;
  readonly onError: (message: string) => void;
  readonly onAuth: (status: AuthStatus) => void;
}) {
  const api = useApi();
  const [backendUrl, setBackendUrl] = useState(defaultUrl);
  const [token, setToken] = useState('');
  if (auth === null) return null;

  const fail = (reason: unknown) => onError(describeError(reason));
  if (auth.signedIn) {
    return (
      <section className="auth" aria-label="Sign-in">
        <p>
          Signed in{auth.user === null ? '' : ` as ${auth.user}`}
          {auth.backendUrl === null ? '' : ` to ${auth.backendUrl}`}.
        </p>
        <button type="button" onClick={() => api.authSignOut().then(onAuth, fail)}>
          Sign out
        </button>
      </section>
    );
  }
  const signIn = (event: FormEvent) => {
    event.preventDefault();
    api.authSignIn({ backendUrl, token }).then((status) => {
      setToken('');
      onAuth(status);
    }, fail);
  };
  return (
    <form className="auth" aria-label="Sign in" onSubmit={signIn}>
      <label>
        Backend to sign in to
        <input type="url" value={backendUrl} required onChange={(event) => setBackendUrl(event.target.value)} />
      </label>
      <label>
        Sign-in token
        <input type="password" value={token} required autoComplete="off" onChange={(event) => setToken(event.target.value)} />
      </label>
      <button type="submit">Sign in</button>
    </form>
  );
}
