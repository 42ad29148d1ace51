/**
 * Imported FIRST by each host's entry point (web-host/cli.ts, main/main.ts): the young-generation limit
 * (young-generation.ts) must hold before the services' modules load — loading them alone grew V8's new space to
 * 32 MiB when the limit was set later.
 */
import { keepYoungGenerationSmall } from './young-generation';

keepYoungGenerationSmall();
