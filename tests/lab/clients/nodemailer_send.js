// Client-lab driver: nodemailer sends one message with its default opportunistic STARTTLS
// (secure: false, ignoreTLS: false: upgrade if nodemailer sees STARTTLS), accepting the test
// certificate. Usage: NODE_PATH=<lab>/node/node_modules node nodemailer_send.js HOST PORT.
"use strict";

const nodemailer = require("nodemailer");

const [host, port] = process.argv.slice(2);
const transport = nodemailer.createTransport({
  host,
  port: Number(port),
  secure: false,
  name: "lab.test",
  tls: { rejectUnauthorized: false },
  connectionTimeout: 20000,
  greetingTimeout: 20000,
  socketTimeout: 20000,
});

transport
  .sendMail({ from: "a@lab.test", to: "b@mx.test", subject: "lab", text: "client lab" })
  .then((info) => {
    console.log("LAB sent:", info.response);
    process.exit(0);
  })
  .catch((err) => {
    console.error("LAB error:", err.message);
    process.exit(1);
  });
