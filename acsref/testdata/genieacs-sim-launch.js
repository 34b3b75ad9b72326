// Runs genieacs-sim's simulated devices when its command-line parser (the
// npm package "commander", not shipped with the peer) is missing: the
// same cluster workers of the same genieacs-sim file, with the same
// environment and the same restart of a dead worker after 10 s, as
//
//   genieacs-sim -u ACS_URL -m DATA_MODEL -p PROCESSES -w WAIT_MS -s SERIAL
//
// Usage: node genieacs-sim-launch.js SIM_DIR ACS_URL DATA_MODEL PROCESSES WAIT_MS SERIAL
"use strict";
const cluster = require("cluster");
const path = require("path");

const [simDir, acsUrl, dataModel, processes, wait, serial] = process.argv.slice(2);
cluster.setupPrimary({ exec: path.join(simDir, "genieacs-sim") });

cluster.on("fork", (worker) => console.log(`Simulator ${worker.env.SERIAL_NUMBER} started`));
cluster.on("exit", (worker, code, signal) => {
  console.log(`Simulator ${worker.env.SERIAL_NUMBER} died (${signal || code}). Restarting in 10 seconds...`);
  setTimeout(() => {
    const w = cluster.fork(worker.env);
    w.env = worker.env;
  }, 10000);
});

for (let i = 0; i < +processes; ++i) {
  setTimeout(() => {
    const env = {
      SERIAL_NUMBER: `00000${+serial + i}`.slice(-6),
      ACS_URL: acsUrl,
      DATA_MODEL: dataModel,
    };
    const w = cluster.fork(env);
    w.env = env;
  }, +wait * i);
}
