// The shape of a `doctor` result: each check passes, fails (with the exact
// fix) or is skipped because a check it depends on failed.

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** On fail: what to do, as a command or an instruction. */
  fix?: string;
}

export interface DoctorReport {
  backend: 'embedded' | 'server';
  /** The server (password redacted) or the data directory checked. */
  target: string;
  ok: boolean;
  checks: DoctorCheck[];
}

export function pass(name: string, detail: string): DoctorCheck {
  return { name, status: 'pass', detail };
}

export function fail(name: string, detail: string, fix: string): DoctorCheck {
  return { name, status: 'fail', detail, fix };
}

export function skip(name: string, detail: string): DoctorCheck {
  return { name, status: 'skip', detail };
}

export function report(backend: DoctorReport['backend'], target: string, checks: DoctorCheck[]): DoctorReport {
  return { backend, target, ok: checks.every((check) => check.status !== 'fail'), checks };
}
