// appos-ctl doctor: gather the facts, run every check, answer ok when all pass.
import type { DoctorResponse } from '../control/protocol.js';
import { runChecks } from './checks.js';
import { gatherFacts, type DoctorInputs } from './facts.js';

/** Runs every check of docs/troubleshooting.md against the running apposd. */
export async function runDoctor(inputs: DoctorInputs): Promise<DoctorResponse> {
  const checks = runChecks(await gatherFacts(inputs));
  return { ok: checks.every((c) => c.ok), checks };
}
