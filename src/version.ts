// The release version, kept in step with package.json by a unit test.
export const version = '0.1.0';
