// A node:test reporter that counts passed and failed tests (not suites) and emits them as one JSON line.
interface TestEvent {
  type: string;
  data?: { details?: { type?: string } };
}

export default async function* countReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    if (event.data?.details?.type === 'suite') continue;
    if (event.type === 'test:pass') passed++;
    else if (event.type === 'test:fail') failed++;
  }
  yield `${JSON.stringify({ passed, failed })}\n`;
}
