#include "topic.h"

namespace drover::mqtt {

namespace {

// RFC 3629 well-formedness: shortest form only, no surrogates, nothing above U+10FFFF.
bool validateUtf8(QByteArrayView bytes, bool allowNull)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const auto *end = p + bytes.size();
    while (p < end) {
        const unsigned char lead = *p;
        if (lead < 0x80) { // ASCII fast path: by far the common case for topics
            if (lead == 0 && !allowNull)
                return false;
            ++p;
            continue;
        }
        int continuation = 0;
        char32_t codePoint = 0;
        char32_t minimum = 0;
        if ((lead & 0xE0) == 0xC0) {
            continuation = 1;
            codePoint = lead & 0x1F;
            minimum = 0x80;
        } else if ((lead & 0xF0) == 0xE0) {
            continuation = 2;
            codePoint = lead & 0x0F;
            minimum = 0x800;
        } else if ((lead & 0xF8) == 0xF0) {
            continuation = 3;
            codePoint = lead & 0x07;
            minimum = 0x10000;
        } else {
            return false; // a continuation byte without a lead, or 0xF8..0xFF
        }
        if (end - p <= continuation)
            return false; // truncated sequence
        for (int i = 1; i <= continuation; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            codePoint = (codePoint << 6) | (p[i] & 0x3F);
        }
        if (codePoint < minimum) // overlong encoding
            return false;
        if (codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
            return false;
        p += continuation + 1;
    }
    return true;
}

} // namespace

bool isValidUtf8String(QByteArrayView bytes)
{
    // MQTT-1.5.4-1 (3.1.1: MQTT-1.5.3-1): well-formed, no surrogates;
    // MQTT-1.5.4-2 (3.1.1: MQTT-1.5.3-2): no U+0000.
    return validateUtf8(bytes, false);
}

bool isWellFormedUtf8(QByteArrayView bytes)
{
    return validateUtf8(bytes, true);
}

bool isValidTopicName(QByteArrayView topic)
{
    if (topic.isEmpty()) // MQTT-4.7.3-1
        return false;
    for (char c : topic) {
        if (c == '+' || c == '#') // MQTT-3.3.2-2; MQTT-4.7.0-1 (3.1.1: MQTT-4.7.1-1)
            return false;
    }
    return isValidUtf8String(topic);
}

bool isValidTopicFilter(QByteArrayView filter)
{
    if (filter.isEmpty()) // MQTT-4.7.3-1
        return false;
    qsizetype levelStart = 0;
    for (qsizetype i = 0; i <= filter.size(); ++i) {
        if (i < filter.size() && filter[i] != '/')
            continue;
        const QByteArrayView level = filter.sliced(levelStart, i - levelStart);
        for (qsizetype j = 0; j < level.size(); ++j) {
            if (level[j] == '#') {
                // MQTT-4.7.1-1 (3.1.1: MQTT-4.7.1-2): the whole level and the last one
                if (level.size() != 1 || i != filter.size())
                    return false;
            } else if (level[j] == '+' &&
                       level.size() != 1) { // MQTT-4.7.1-2 (3.1.1: MQTT-4.7.1-3): the whole level
                return false;
            }
        }
        levelStart = i + 1;
    }
    return isValidUtf8String(filter);
}

bool topicMatches(QByteArrayView filter, QByteArrayView topic)
{
    if (filter.isEmpty() || topic.isEmpty())
        return false;
    // MQTT-4.7.2-1: a filter starting with a wildcard does not match a topic starting with '$'.
    if (topic.front() == '$' && (filter.front() == '+' || filter.front() == '#'))
        return false;

    qsizetype f = 0;
    qsizetype t = 0;
    bool topicDone = false; // every level of the topic has been matched
    for (;;) {
        qsizetype fEnd = f;
        while (fEnd < filter.size() && filter[fEnd] != '/')
            ++fEnd;
        const QByteArrayView filterLevel = filter.sliced(f, fEnd - f);
        const bool lastFilterLevel = fEnd == filter.size();

        // Spec 4.7.1.2: '#' matches the remaining levels, including none: "sport/#"
        // also matches "sport". Anywhere but last it is an invalid filter: no match.
        if (filterLevel == "#")
            return lastFilterLevel;
        if (topicDone)
            return false;

        qsizetype tEnd = t;
        while (tEnd < topic.size() && topic[tEnd] != '/')
            ++tEnd;
        const QByteArrayView topicLevel = topic.sliced(t, tEnd - t);
        const bool lastTopicLevel = tEnd == topic.size();

        if (filterLevel != "+" && filterLevel != topicLevel) // '+' matches exactly one level
            return false;
        if (lastFilterLevel)
            return lastTopicLevel;
        f = fEnd + 1;
        if (lastTopicLevel)
            topicDone = true;
        else
            t = tEnd + 1;
    }
}

} // namespace drover::mqtt
