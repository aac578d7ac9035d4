// The CloudEvents JSON event format (structured content mode).
#pragma once

#include "cloudevent.h"

#include <optional>

namespace drover::cloudevents {

class JsonFormat
{
public:
    // One compact JSON object. data goes in as `data` verbatim (whitespace trimmed) when
    // the content type is JSON and the bytes are a JSON value, as a JSON string for text/*
    // that is valid UTF-8, and as `data_base64` otherwise. Hand-written so the event's
    // JSON data is embedded without a parse/serialise round trip.
    static QByteArray serialize(const CloudEvent &event);

    // Parses a structured event (as the console and tests receive them). JSON `data` comes
    // back as its compact serialisation, a string as its UTF-8, data_base64 decoded.
    static std::optional<CloudEvent> parse(QByteArrayView json, QByteArray *error = nullptr);
};

} // namespace drover::cloudevents
