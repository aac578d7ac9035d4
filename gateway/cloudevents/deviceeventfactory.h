// Builds the CloudEvent for data a device sent, with Drogue's content type rules.
#pragma once

#include "cloudevent.h"

#include <optional>

namespace drover::cloudevents {

struct DeviceMessage {
    QByteArray application;
    QByteArray device; // logical device
    QByteArray sender; // connected device or gateway; empty means `device`
    QByteArray channel;
    QByteArray payload;
    QByteArray contentType; // as the device declared it; empty if none
};

class DeviceEventFactory
{
public:
    explicit DeviceEventFactory(QByteArray instance)
        : m_instance(std::move(instance))
    {}

    // New event with a fresh id and the current time, or nullopt with `error` set when
    // the payload contradicts its declared JSON content type. Without a declared type,
    // datacontenttype is application/json if the payload is a JSON value, else
    // application/octet-stream.
    std::optional<CloudEvent> create(const DeviceMessage &message, QByteArray *error = nullptr) const;
    // Same rules, for a given type and subject (connection events, commands).
    std::optional<CloudEvent> create(const DeviceMessage &message, const QByteArray &type,
                                     QByteArray *error = nullptr) const;

    const QByteArray &instance() const { return m_instance; }

private:
    QByteArray m_instance;
};

} // namespace drover::cloudevents
