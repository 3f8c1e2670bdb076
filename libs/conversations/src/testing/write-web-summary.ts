/**
 * Writes the web UI's summary types from the summary's definition (`summary-contract.ts`). Run from the
 * repository's root after changing the definition; `summary-contract.spec.ts` fails until it is run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { webSummaryModule } from '../summary-contract';

/** Where the web UI's generated types are, from the repository's root. */
export const WEB_SUMMARY_FILE = join('apps', 'inbox-web', 'src', 'summary.generated.ts');

if (require.main === module) writeFileSync(WEB_SUMMARY_FILE, webSummaryModule());
