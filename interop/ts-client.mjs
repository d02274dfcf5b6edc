// Drives `glm-mcp serve` over stdio with the official TypeScript SDK client
// (what most editors embed): lists the tools and calls each one, checking the
// answers. Usage: node ts-client.mjs BINARY ROOT
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [bin, root] = process.argv.slice(2);
let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}: ${detail}`);
  }
}

const transport = new StdioClientTransport({ command: bin, args: ["serve", "--root", root, "--log-level", "warn"] });
const client = new Client({ name: "interop-ts", version: "1.0.0" });
await client.connect(transport);

const { tools } = await client.listTools();
const names = tools.map((t) => t.name).sort();
for (const want of ["find_files", "list_directory", "read_file", "search_content"]) {
  check(`tools/list has ${want}`, names.includes(want), names.join(","));
}
for (const t of tools) {
  check(`${t.name} has title, output schema and explicit annotations`,
    !!t.title && !!t.outputSchema && t.annotations?.readOnlyHint !== undefined && t.annotations?.destructiveHint !== undefined,
    JSON.stringify(t.annotations));
}

async function call(name, args) {
  return client.callTool({ name, arguments: args });
}
let r = await call("list_directory", {});
check("list_directory", !r.isError && r.structuredContent.entries.some((e) => e.name === "hello.txt"), JSON.stringify(r));
r = await call("find_files", { pattern: "*.txt" });
check("find_files", !r.isError && JSON.stringify(r.structuredContent.files) === '["hello.txt","sub/notes.txt"]', JSON.stringify(r.structuredContent));
r = await call("search_content", { query: "interop", context_lines: 1 });
check("search_content", !r.isError && r.structuredContent.matches.length === 2 && r.structuredContent.matches[0].line === 2, JSON.stringify(r.structuredContent));
r = await call("read_file", { path: "sub/notes.txt" });
check("read_file", !r.isError && r.structuredContent.text === "line one\ninterop two", JSON.stringify(r.structuredContent));
check("text block is the file as it is, after its paging line", r.content[0].text === "sub/notes.txt: lines 1-2 of 2\nline one\ninterop two" || r.content[0].text.startsWith("sub/notes.txt: lines 1-2 of 2\nline one\ninterop two"), r.content[0].text);
r = await call("read_file", { path: "../outside.txt" });
check("read_file outside the root is an error result", r.isError === true && /outside the allowed roots/.test(r.content[0].text), JSON.stringify(r));
r = await call("search_content", { query: "(", regex: true });
check("bad regex is an error result", r.isError === true && /invalid regex/.test(r.content[0].text), JSON.stringify(r));

await client.close();
console.log(`typescript-sdk: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
