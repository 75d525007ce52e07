// A caller process that registers invocations one by one until it is killed (chaos: a caller
// killed mid-registration must leave nothing half-recorded that is never run).
import { work } from "./app.js";

const [ledger = "", count = "100", prefix = "caller"] = process.argv.slice(2);
for (let i = 0; i < Number(count); i++) await work(ledger, 20, `${prefix}-${i}`);
process.stdout.write("done\n");
