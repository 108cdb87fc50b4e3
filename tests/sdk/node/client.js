#!/usr/bin/env node
// Calls one API action through the official Tencent Cloud Node SDK, pointed at a custom endpoint
// the way users do it (httpProfile endpoint and protocol). The request params are a JSON object on
// stdin; the response (the part inside "Response") is printed as JSON on stdout. An SDK error
// prints "error: CODE: message" on stderr and exits 1.
//
//   node client.js --endpoint 127.0.0.1:PORT --secret-id ID --secret-key KEY \
//       --service ocr --version 2018-11-19 --action RecognizeEncryptedIDCardOCR [--region R] \
//       [--client auto|product|common]
//
// --client auto (default) uses the product client's typed method where the installed SDK has one
// (OCR: tencentcloud-sdk-nodejs-ocr, Client.RecognizeEncryptedIDCardOCR(params)), and the SDK's
// CommonClient (tencentcloud-sdk-nodejs-common, client.request(action, params)) otherwise, e.g. for
// FaceID, whose product package is not on npm.
"use strict";

const { CommonClient } = require("tencentcloud-sdk-nodejs-common");

function usage(message) {
  process.stderr.write(`usage error: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const names = ["endpoint", "secret-id", "secret-key", "service", "version", "action", "region", "client"];
  const args = { region: "ap-guangzhou", client: "auto" };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    if (!flag.startsWith("--") || !names.includes(flag.slice(2))) usage(`unknown argument ${flag}`);
    if (i + 1 >= argv.length) usage(`${flag} needs a value`);
    args[flag.slice(2)] = argv[i + 1];
  }
  for (const name of ["endpoint", "secret-id", "secret-key", "service", "version", "action"]) {
    if (!args[name]) usage(`--${name} is required`);
  }
  if (!["auto", "product", "common"].includes(args.client)) usage("--client is auto, product or common");
  return args;
}

// The product packages installed next to this program (package.json), by service.
const PRODUCTS = { ocr: "tencentcloud-sdk-nodejs-ocr" };

function productClient(args, config) {
  const pkg = PRODUCTS[args.service];
  if (!pkg) return null;
  const versions = require(pkg)[args.service];
  const module = versions && versions["v" + args.version.replace(/-/g, "")];
  if (!module) return null;
  const client = new module.Client(config);
  return typeof client[args.action] === "function" ? client : null;
}

function readStdin() {
  return require("fs").readFileSync(0, "utf8");
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let params;
  try {
    params = JSON.parse(readStdin());
  } catch (e) {
    usage(`stdin is not JSON: ${e.message}`);
  }
  if (params === null || typeof params !== "object" || Array.isArray(params)) usage("stdin must be a JSON object");

  const config = {
    credential: { secretId: args["secret-id"], secretKey: args["secret-key"] },
    region: args.region,
    profile: { httpProfile: { endpoint: args.endpoint, protocol: "http://", reqTimeout: 30 } },
  };
  let client = args.client === "common" ? null : productClient(args, config);
  if (args.client === "product" && !client) usage(`no product client with ${args.action} for ${args.service} ${args.version}`);
  let response;
  try {
    if (client) {
      response = await client[args.action](params);
    } else {
      client = new CommonClient(`${args.service}.tencentcloudapi.com`, args.version, config);
      response = await client.request(args.action, params);
    }
  } catch (e) {
    process.stderr.write(`error: ${e.code || "NoCode"}: ${e.message}\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(response) + "\n");
}

main().catch((e) => {
  process.stderr.write(`error: Internal: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
