// A real JavaScript MQTT client (MQTT.js) for droverd's integration tests, driven line by
// line: each line on stdin is one JSON operation, each line on stdout one JSON report.
//
//   {"op": "connect", "url": "ws://127.0.0.1:8080/mqtt", "protocolVersion": 5,
//    "clientId": "...", "username": "...", "password": "...", "ca": "/path/ca.pem"}
//        (ca: for wss://, the CA file the server's certificate must chain to)
//        -> {"type": "connack", "reasonCode": 0, "sessionPresent": false}
//           or {"type": "error", "op": "connect", "message": "..."}
//   {"op": "subscribe", "topic": "app/demo", "qos": 1, "userProperties": {"content-mode": "binary"}}
//        -> {"type": "suback", "topic": "...", "granted": [1]}
//   {"op": "publish", "id": "c1", "topic": "command/...", "payload": "...", "qos": 1}
//        -> {"type": "puback", "id": "c1", "reasonCode": 0, "reasonString": null}
//   {"op": "end"} -> {"type": "ended"}, then the process exits 0
//
// Every message received: {"type": "message", "topic", "payload" (UTF-8), "qos",
// "contentType", "userProperties": {...}}. A lost connection: {"type": "close"}.
import mqtt from 'mqtt';
import fs from 'node:fs';
import readline from 'node:readline';

let client = null;

function report(object) {
    process.stdout.write(JSON.stringify(object) + '\n');
}

function userPropertiesOf(packet) {
    const properties = (packet && packet.properties && packet.properties.userProperties) || {};
    const result = {};
    for (const [key, value] of Object.entries(properties))
        result[key] = Array.isArray(value) ? value[0] : value;
    return result;
}

function connect(op) {
    client = mqtt.connect(op.url, {
        protocolVersion: op.protocolVersion ?? 5,
        clientId: op.clientId,
        username: op.username,
        password: op.password,
        clean: true,
        reconnectPeriod: 0, // one attempt: the test decides what comes next
        connectTimeout: 5000,
        // wss: MQTT.js hands these to the TLS connection; the certificate must verify.
        ca: op.ca ? fs.readFileSync(op.ca) : undefined,
        rejectUnauthorized: true,
    });
    client.on('connect', (connack) => {
        report({type: 'connack', reasonCode: connack.reasonCode ?? connack.returnCode ?? 0,
                sessionPresent: !!connack.sessionPresent});
    });
    client.on('message', (topic, payload, packet) => {
        report({type: 'message', topic, payload: payload.toString('utf8'), qos: packet.qos,
                contentType: packet.properties ? packet.properties.contentType ?? null : null,
                userProperties: userPropertiesOf(packet)});
    });
    client.on('error', (error) => report({type: 'error', op: 'connection', message: String(error.message),
                                          code: error.code ?? null}));
    client.on('close', () => report({type: 'close'}));
}

function subscribe(op) {
    const options = {qos: op.qos ?? 0};
    if (op.userProperties)
        options.properties = {userProperties: op.userProperties};
    client.subscribe(op.topic, options, (error, granted) => {
        if (error)
            report({type: 'error', op: 'subscribe', message: String(error.message)});
        else
            report({type: 'suback', topic: op.topic, granted: granted.map((g) => g.qos)});
    });
}

function publish(op) {
    const options = {qos: op.qos ?? 1};
    if (op.contentType)
        options.properties = {contentType: op.contentType};
    client.publish(op.topic, op.payload ?? '', options, (error, packet) => {
        // MQTT.js reports a negative PUBACK as an error carrying the reason code.
        const reasonCode = error ? (error.code ?? 128) : ((packet && packet.reasonCode) || 0);
        const reasonString = (packet && packet.properties && packet.properties.reasonString) ||
                             (error ? String(error.message) : null);
        report({type: 'puback', id: op.id ?? null, reasonCode, reasonString});
    });
}

const lines = readline.createInterface({input: process.stdin});
lines.on('line', (line) => {
    if (!line.trim())
        return;
    let op;
    try {
        op = JSON.parse(line);
    } catch (error) {
        report({type: 'error', op: 'parse', message: String(error)});
        return;
    }
    switch (op.op) {
    case 'connect':
        return connect(op);
    case 'subscribe':
        return subscribe(op);
    case 'publish':
        return publish(op);
    case 'end':
        if (!client) {
            report({type: 'ended'});
            process.exit(0);
        }
        return client.end(false, {}, () => {
            report({type: 'ended'});
            process.exit(0);
        });
    default:
        report({type: 'error', op: String(op.op), message: 'unknown operation'});
    }
});
lines.on('close', () => process.exit(0));
