// Topic name and filter syntax checks (spec 4.7), shared by server and client.
#pragma once

#include <QByteArrayView>

namespace drover::mqtt {

// Well-formed MQTT UTF-8 string: valid UTF-8, no U+0000, no surrogates (MQTT-1.5.4-1..2).
bool isValidUtf8String(QByteArrayView bytes);

// Well-formed UTF-8 (RFC 3629) where U+0000 is allowed: the rule for a payload whose
// Payload Format Indicator is 1 (spec 3.3.2.3.2), which is character data, not a string.
bool isWellFormedUtf8(QByteArrayView bytes);

// Non-empty, valid UTF-8, no '+' or '#' (MQTT-3.3.2-2, MQTT-4.7.3-1).
bool isValidTopicName(QByteArrayView topic);

// Non-empty, valid UTF-8, '#' only as the whole last level, '+' only as a whole level
// (MQTT-4.7.1-1, MQTT-4.7.1-2, MQTT-4.7.3-1).
bool isValidTopicFilter(QByteArrayView filter);

// Spec matching of a topic name against a filter, where wildcards at the first level do
// not match names starting with '$' (MQTT-4.7.2-1).
bool topicMatches(QByteArrayView filter, QByteArrayView topic);

} // namespace drover::mqtt
