// Errors of the data layer: every problem with a user's data file names the file and what is wrong.

/** A data file that is missing or malformed; the message reads `${file}: ${problem}`. */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DataFileError';
  }
}
