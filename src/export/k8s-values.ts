// Kubernetes manifests have no environment to interpolate from: a `${VAR}` that is a whole env
// value becomes a secretKeyRef (secret-looking names, or no default), other references take
// their default, and a reference without one anywhere else cannot be exported.
import type { Findings } from './model.js';
import { withDefaults } from './network.js';

/** The Secret the user creates for `${VAR}` values (the export prints how). */
export const SECRET = 'appos-secrets';

const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}$/;
const NO_DEFAULT = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?\?[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
const SECRET_NAME = /PASS|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH/i;

/** A text with defaults; a reference without a default is a problem at `where`. */
export function resolved(text: string, findings: Findings, where: string): string {
  for (const m of text.replaceAll('$$', '').matchAll(NO_DEFAULT)) {
    findings.problem(
      where,
      `\${${m[1] ?? m[2]}} has no default and Kubernetes has no environment to take it from: give it a default or make it a whole env value`,
    );
  }
  return withDefaults(text);
}

/** One container env entry, and the Secret key it needs (if any). */
export function k8sEnv(
  name: string,
  value: string,
  findings: Findings,
  where: string,
): { entry: Record<string, unknown>; secretKey?: string } {
  const m = WHOLE.exec(value);
  if (m) {
    const variable = m[1]!;
    const op = m[2];
    const fallback = op === undefined || op.endsWith('?') ? undefined : m[3];
    if (SECRET_NAME.test(variable) || fallback === undefined || fallback === '') {
      const ref: Record<string, unknown> = { name: SECRET, key: variable };
      if (fallback !== undefined) ref.optional = true;
      return { entry: { name, valueFrom: { secretKeyRef: ref } }, secretKey: variable };
    }
  }
  return { entry: { name, value: resolved(value, findings, where) } };
}
