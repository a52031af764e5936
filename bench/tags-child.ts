// One tag-refresh measurement in its own process, so its peak memory is its own: prints benchTags' JSON.
//   npx tsx bench/tags-child.ts <lines>
import { benchTags } from './tags.ts';

const result = await benchTags({ lines: Number(process.argv[2]) });
process.stdout.write(JSON.stringify(result) + '\n');
