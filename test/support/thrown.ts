/** The DocksideError `fn` throws (the test fails if it throws nothing, or something else). */
import { expect } from 'vitest';
import { DocksideError } from '../../src/shared/errors.js';

export function thrown(fn: () => unknown): DocksideError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DocksideError);
    return error as DocksideError;
  }
  throw new Error('expected a DocksideError');
}
