// "Did you mean ...?" for misspelt keys, program names and enum values (the one
// fastest-levenshtein importer).
import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `word` (case-insensitive edit distance), or undefined when none is
 * close enough to be a plausible typo.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const limit = word.length <= 3 ? 1 : Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const swapped = bestDistance <= 2 && sameLetters(lower, best.toLowerCase());
  return bestDistance <= limit || swapped ? best : undefined;
}

/** Whether two words are anagrams (a swap of neighbours costs 2 in Levenshtein distance). */
function sameLetters(a: string, b: string): boolean {
  return [...a].sort().join('') === [...b].sort().join('');
}

/** ` (did you mean "x"?)` when there is a close candidate, else an empty string. */
export function didYouMeanSuffix(word: string, candidates: Iterable<string>): string {
  const hit = didYouMean(word, candidates);
  return hit === undefined ? '' : ` (did you mean "${hit}"?)`;
}

/** The candidate nearest to `word` (case-sensitive edit distance) and its distance. */
export function nearest(
  word: string,
  candidates: readonly string[],
): { name: string; distance: number } | undefined {
  if (candidates.length === 0) return undefined;
  const name = closest(word, candidates);
  return { name, distance: distance(word, name) };
}
