#include "configloader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QUrl>

#include <toml++/toml.h>

#include <functional>
#include <limits>
#include <string_view>
#include <vector>

namespace drover::config {
namespace {

constexpr qint64 int64Max = std::numeric_limits<qint64>::max();

QString fromStd(std::string_view text)
{
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

QString quoted(const QString &text)
{
    return QLatin1Char('"') + text + QLatin1Char('"');
}

// Keys that a TOML bare key could not spell are quoted so the path stays unambiguous.
QString keyText(std::string_view key)
{
    bool bare = !key.empty();
    for (char c : key) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_';
        bare = bare && ok;
    }
    return bare ? fromStd(key) : quoted(fromStd(key));
}

QString childPath(const QString &path, std::string_view key)
{
    return path.isEmpty() ? keyText(key) : path + QLatin1Char('.') + keyText(key);
}

QString indexPath(const QString &path, std::size_t index)
{
    return path + QLatin1Char('[') + QString::number(index) + QLatin1Char(']');
}

QString typeName(toml::node_type type)
{
    switch (type) {
    case toml::node_type::table:
        return QStringLiteral("a table");
    case toml::node_type::array:
        return QStringLiteral("an array");
    case toml::node_type::string:
        return QStringLiteral("a string");
    case toml::node_type::integer:
        return QStringLiteral("an integer");
    case toml::node_type::floating_point:
        return QStringLiteral("a float");
    case toml::node_type::boolean:
        return QStringLiteral("a boolean");
    case toml::node_type::date:
        return QStringLiteral("a date");
    case toml::node_type::time:
        return QStringLiteral("a time");
    case toml::node_type::date_time:
        return QStringLiteral("a date-time");
    case toml::node_type::none:
        break;
    }
    return QStringLiteral("nothing");
}

// The scalar itself where it is short, so a message shows what was written.
QString valueText(const toml::node &node)
{
    if (const auto *v = node.as_integer()) {
        return QString::number(v->get());
    }
    if (const auto *v = node.as_floating_point()) {
        return QString::number(v->get());
    }
    if (const auto *v = node.as_boolean()) {
        return v->get() ? QStringLiteral("true") : QStringLiteral("false");
    }
    if (const auto *v = node.as_string()) {
        return quoted(fromStd(v->get()));
    }
    return typeName(node.type());
}

// "got 0" for a value of the right type, "got "5" (a string)" for one of the wrong type.
QString gotText(const toml::node &node, bool rightType)
{
    const QString value = valueText(node);
    if (rightType || node.is_table() || node.is_array() || node.is_date() || node.is_time() ||
        node.is_date_time()) {
        return QLatin1String("got ") + value;
    }
    return QLatin1String("got ") + value + QLatin1String(" (") + typeName(node.type()) + QLatin1Char(')');
}

QString rangeText(qint64 min, qint64 max, const std::function<QString(qint64)> &format)
{
    if (max == int64Max) {
        return QLatin1String("of at least ") + format(min);
    }
    return QLatin1String("from ") + format(min) + QLatin1String(" to ") + format(max);
}

QString plainNumber(qint64 value)
{
    return QString::number(value);
}

template <typename T> void store(const std::optional<qint64> &value, T &target)
{
    if (value) {
        target = T(*value);
    }
}

// Walks the parsed document into a Config. It carries on after a problem so that the one
// reported is the earliest in the file rather than the first in toml++'s key order
// (tables iterate alphabetically).
class Reader
{
public:
    using Handler = std::function<void(const toml::node &node, const QString &path)>;
    struct Field {
        std::string_view key;
        Handler read;
    };

    explicit Reader(const QString &source)
        : m_source(source)
    {}

    void fail(const toml::source_region &where, const QString &path, const QString &message)
    {
        fail(where.begin, path + QLatin1String(": ") + message);
    }

    void fail(const toml::source_position &where, const QString &message)
    {
        const bool earlier =
            !m_hasError || where.line < m_line || (where.line == m_line && where.column < m_column);
        if (earlier) {
            m_hasError = true;
            m_line = where.line;
            m_column = where.column;
            m_error = m_source + QLatin1Char(':') + QString::number(where.line) + QLatin1Char(':') +
                      QString::number(where.column) + QLatin1String(": ") + message;
        }
    }

    bool hasError() const { return m_hasError; }
    QString error() const { return m_error; }

    // Every key of table must be one of fields; each known key goes to its reader.
    void readFields(const toml::table &table, const QString &path, const std::vector<Field> &fields)
    {
        for (auto &&[key, node] : table) {
            const Field *field = nullptr;
            for (const Field &candidate : fields) {
                if (candidate.key == key.str()) {
                    field = &candidate;
                }
            }
            const QString keyPath = childPath(path, key.str());
            if (!field) {
                QStringList known;
                for (const Field &candidate : fields) {
                    known.append(fromStd(candidate.key));
                }
                fail(key.source(), keyPath,
                     QLatin1String("unknown key; expected one of ") + known.join(QLatin1String(", ")));
                continue;
            }
            field->read(node, keyPath);
        }
    }

    const toml::table *table(const toml::node &node, const QString &path)
    {
        if (const toml::table *t = node.as_table()) {
            return t;
        }
        fail(node.source(), path, QLatin1String("expected a table, ") + gotText(node, false));
        return nullptr;
    }

    // The tables of a repeatable section ([[listener]]), each passed to read with its path.
    // header is how the section is written in TOML, for the message when it is not an
    // array; it differs from path for nested sections ([[application.device]]).
    void tables(const toml::node &node, const QString &path,
                const std::function<void(const toml::table &, const QString &)> &read,
                const QString &header = QString())
    {
        const toml::array *array = node.as_array();
        if (!array) {
            fail(node.source(), path,
                 QLatin1String("expected an array of tables ([[") + (header.isEmpty() ? path : header) +
                     QLatin1String("]]), ") + gotText(node, false));
            return;
        }
        for (std::size_t i = 0; i < array->size(); ++i) {
            const QString elementPath = indexPath(path, i);
            if (const toml::table *t = table(*array->get(i), elementPath)) {
                read(*t, elementPath);
            }
        }
    }

    std::optional<qint64> integer(const toml::node &node, const QString &path, qint64 min, qint64 max)
    {
        const auto *v = node.as_integer();
        if (v && v->get() >= min && v->get() <= max) {
            return v->get();
        }
        fail(node.source(), path,
             QLatin1String("expected an integer ") + rangeText(min, max, plainNumber) + QLatin1String(", ") +
                 gotText(node, v != nullptr));
        return std::nullopt;
    }

    std::optional<bool> boolean(const toml::node &node, const QString &path)
    {
        if (const auto *v = node.as_boolean()) {
            return v->get();
        }
        fail(node.source(), path, QLatin1String("expected true or false, ") + gotText(node, false));
        return std::nullopt;
    }

    std::optional<QString> string(const toml::node &node, const QString &path)
    {
        if (const auto *v = node.as_string()) {
            return fromStd(v->get());
        }
        fail(node.source(), path, QLatin1String("expected a string, ") + gotText(node, false));
        return std::nullopt;
    }

    std::optional<QString> nonEmptyString(const toml::node &node, const QString &path)
    {
        const std::optional<QString> v = string(node, path);
        if (v && v->isEmpty()) {
            fail(node.source(), path, QStringLiteral("must not be empty"));
            return std::nullopt;
        }
        return v;
    }

    std::optional<QString> choice(const toml::node &node, const QString &path, const QStringList &choices)
    {
        const auto *v = node.as_string();
        if (v && choices.contains(fromStd(v->get()))) {
            return fromStd(v->get());
        }
        QStringList quotedChoices;
        for (const QString &c : choices) {
            quotedChoices.append(quoted(c));
        }
        const QString expected = choices.size() == 1
                                     ? quotedChoices.front()
                                     : QLatin1String("one of ") + quotedChoices.join(QLatin1String(", "));
        fail(node.source(), path,
             QLatin1String("expected ") + expected + QLatin1String(", ") + gotText(node, v != nullptr));
        return std::nullopt;
    }

    // A number in (0, max]: integers are accepted too, "rate = 2" means 2.0.
    std::optional<double> positiveNumber(const toml::node &node, const QString &path, double max)
    {
        std::optional<double> value;
        if (const auto *v = node.as_floating_point()) {
            value = v->get();
        } else if (const auto *i = node.as_integer()) {
            value = double(i->get());
        }
        if (value && *value > 0 && *value <= max) { // false for NaN
            return value;
        }
        fail(node.source(), path,
             QLatin1String("expected a number greater than 0 and at most ") + QString::number(max) +
                 QLatin1String(", ") + gotText(node, value.has_value()));
        return std::nullopt;
    }

    std::optional<qint64> size(const toml::node &node, const QString &path, qint64 min, qint64 max)
    {
        return withUnit(node, path, min, max, QStringLiteral("size"), QStringLiteral("integer bytes"),
                        QStringLiteral("\"64MiB\""), parseByteSize, formatByteSize);
    }

    std::optional<qint64> duration(const toml::node &node, const QString &path, qint64 min, qint64 max)
    {
        return withUnit(node, path, min, max, QStringLiteral("duration"), QStringLiteral("integer seconds"),
                        QStringLiteral("\"24h\""), parseDuration, formatDuration);
    }

    // Handlers that store a checked value into target, for the common fields.
    template <typename T> Handler integerInto(T &target, qint64 min, qint64 max)
    {
        return [this, &target, min, max](const toml::node &n, const QString &p) {
            store(integer(n, p, min, max), target);
        };
    }
    template <typename T> Handler sizeInto(T &target, qint64 min, qint64 max)
    {
        return [this, &target, min, max](const toml::node &n, const QString &p) {
            store(size(n, p, min, max), target);
        };
    }
    template <typename T> Handler durationInto(T &target, qint64 min, qint64 max)
    {
        return [this, &target, min, max](const toml::node &n, const QString &p) {
            store(duration(n, p, min, max), target);
        };
    }

private:
    // An integer as is, or a string with a unit; then the range check.
    std::optional<qint64>
    withUnit(const toml::node &node, const QString &path, qint64 min, qint64 max, const QString &what,
             const QString &plainForm, const QString &example,
             const std::function<std::optional<qint64>(const QString &, QString *)> &parse,
             const std::function<QString(qint64)> &format)
    {
        std::optional<qint64> value;
        if (const auto *i = node.as_integer()) {
            value = i->get();
        } else if (const auto *s = node.as_string()) {
            QString reason;
            value = parse(fromStd(s->get()), &reason);
            if (!value) {
                fail(node.source(), path, reason);
                return std::nullopt;
            }
        } else {
            fail(node.source(), path,
                 QLatin1String("expected a ") + what + QLatin1String(" (") + plainForm +
                     QLatin1String(" or a string such as ") + example + QLatin1String("), ") +
                     gotText(node, false));
            return std::nullopt;
        }
        if (*value >= min && *value <= max) {
            return value;
        }
        fail(node.source(), path,
             QLatin1String("expected a ") + what + QLatin1Char(' ') + rangeText(min, max, format) +
                 QLatin1String(", ") + gotText(node, true));
        return std::nullopt;
    }

    QString m_source;
    bool m_hasError = false;
    toml::source_index m_line = 0;
    toml::source_index m_column = 0;
    QString m_error;
};

void readListener(Reader &reader, const toml::table &table, const QString &path, ListenerConfig &listener,
                  const toml::node *&addressNode)
{
    // kind first: it decides which other keys belong to the listener.
    if (const toml::node *kindNode = table.get("kind")) {
        if (const std::optional<QString> name =
                reader.choice(*kindNode, childPath(path, "kind"), listenerKindNames())) {
            listener.kind = *listenerKindFromName(*name);
        }
    }
    std::vector<Reader::Field> fields{
        {"kind", [](const toml::node &, const QString &) {}},
        {"address",
         [&](const toml::node &node, const QString &keyPath) {
             addressNode = &node;
             const std::optional<QString> text = reader.string(node, keyPath);
             if (!text) {
                 return;
             }
             QString reason;
             if (const std::optional<ListenerConfig> parsed = parseListenAddress(*text, &reason)) {
                 listener.address = parsed->address;
                 listener.port = parsed->port;
             } else {
                 reader.fail(node.source(), keyPath, reason);
             }
         }},
    };
    switch (listener.kind) {
    case ListenerConfig::Kind::Mqtt:
    case ListenerConfig::Kind::DeviceMqtt:
    case ListenerConfig::Kind::DeviceHttp:
    case ListenerConfig::Kind::WebSocket:
    case ListenerConfig::Kind::DeviceWebSocket:
    case ListenerConfig::Kind::Mqtts:
    case ListenerConfig::Kind::DeviceMqtts:
    case ListenerConfig::Kind::SecureWebSocket:
    case ListenerConfig::Kind::DeviceSecureWebSocket:
        break; // nothing beyond the address: TLS listeners share the certificate of [tls]
    }
    reader.readFields(table, path, fields);
    if (!addressNode) {
        reader.fail(table.source(), childPath(path, "address"), QStringLiteral("required key is missing"));
    }
}

void readListeners(Reader &reader, const toml::node &node, const QString &path, Config &config)
{
    QList<ListenerConfig> listeners;
    reader.tables(node, path, [&](const toml::table &table, const QString &elementPath) {
        ListenerConfig listener;
        const toml::node *addressNode = nullptr;
        readListener(reader, table, elementPath, listener, addressNode);
        // Two listeners on one fixed address would fail to bind at startup, whatever their
        // kinds; say which here.
        for (qsizetype i = 0; addressNode && listener.port != 0 && i < listeners.size(); ++i) {
            if (listeners.at(i).address == listener.address && listeners.at(i).port == listener.port) {
                reader.fail(addressNode->source(), childPath(elementPath, "address"),
                            QLatin1String("same address as ") + indexPath(path, std::size_t(i)));
            }
        }
        listeners.append(listener);
    });
    if (const toml::array *array = node.as_array(); array && array->empty()) {
        reader.fail(node.source(), path, QStringLiteral("at least one listener is required"));
    }
    config.listeners = listeners;
}

// Reads [[application.device]]. gateway-for may name a device declared further down, so
// those names are checked once every device of the application has been read.
// A "name" key that must be valid and unique among its siblings; `firstLine` remembers where
// each name was first defined, for the duplicate's message.
Reader::Handler uniqueName(Reader &reader, QHash<QString, toml::source_index> &firstLine,
                           bool (*isValid)(const QString &, QString *), const QString &what,
                           const QString &scope, QString &target, bool &named)
{
    return [&reader, &firstLine, isValid, what, scope, &target, &named](const toml::node &n,
                                                                        const QString &keyPath) {
        named = true;
        const std::optional<QString> name = reader.string(n, keyPath);
        if (!name)
            return;
        QString reason;
        if (!isValid(*name, &reason)) {
            reader.fail(n.source(), keyPath, reason);
            return;
        }
        if (firstLine.contains(*name)) {
            reader.fail(n.source(), keyPath,
                        QLatin1String("duplicate ") + what + QLatin1Char(' ') + quoted(*name) + scope +
                            QLatin1String(" (first defined on line ") +
                            QString::number(firstLine.value(*name)) + QLatin1Char(')'));
            return;
        }
        firstLine.insert(*name, n.source().begin.line);
        target = *name;
    };
}

void readDevices(Reader &reader, const toml::node &node, const QString &path, ApplicationConfig &app)
{
    struct GatewayReference {
        QString device; // the gateway
        QString target; // a name in its gateway-for
        toml::source_region where;
        QString path;
    };
    QHash<QString, toml::source_index> firstLine; // name -> line where it was first defined
    QList<GatewayReference> references;
    reader.tables(
        node, path,
        [&](const toml::table &table, const QString &elementPath) {
            DeviceConfig device;
            bool named = false;
            QList<GatewayReference> own;
            reader.readFields(
                table, elementPath,
                {
                    {"name", uniqueName(reader, firstLine, isValidDeviceName, QStringLiteral("device name"),
                                        QStringLiteral(" in this application"), device.name, named)},
                    {"password-hash",
                     [&](const toml::node &n, const QString &keyPath) {
                         // Never quote the value: a password written here by mistake would
                         // end up in the log.
                         const auto *v = n.as_string();
                         if (!v) {
                             reader.fail(n.source(), keyPath,
                                         QLatin1String("expected a string (an Argon2 hash from droverd "
                                                       "hash-password), got ") +
                                             typeName(n.type()));
                             return;
                         }
                         const std::string &text = v->get();
                         const QByteArray hash(text.data(), qsizetype(text.size()));
                         QString reason;
                         if (!isValidPasswordHash(hash, &reason)) {
                             reader.fail(n.source(), keyPath, reason);
                             return;
                         }
                         device.passwordHash = hash;
                     }},
                    {"enabled",
                     [&](const toml::node &n, const QString &keyPath) {
                         if (const std::optional<bool> v = reader.boolean(n, keyPath)) {
                             device.enabled = *v;
                         }
                     }},
                    {"gateway-for",
                     [&](const toml::node &n, const QString &keyPath) {
                         const toml::array *names = n.as_array();
                         if (!names) {
                             reader.fail(n.source(), keyPath,
                                         QLatin1String("expected an array of device names such as "
                                                       "[\"sensor-2\"], ") +
                                             gotText(n, false));
                             return;
                         }
                         for (std::size_t i = 0; i < names->size(); ++i) {
                             const toml::node &element = *names->get(i);
                             const QString namePath = indexPath(keyPath, i);
                             const std::optional<QString> name = reader.string(element, namePath);
                             if (!name) {
                                 continue;
                             }
                             QString reason;
                             if (!isValidDeviceName(*name, &reason)) {
                                 reader.fail(element.source(), namePath, reason);
                                 continue;
                             }
                             if (!device.gatewayFor.contains(*name)) {
                                 device.gatewayFor.append(*name);
                             }
                             own.append({QString(), *name, element.source(), namePath});
                         }
                     }},
                });
            if (!named) {
                reader.fail(table.source(), childPath(elementPath, "name"),
                            QStringLiteral("required key is missing"));
            }
            for (GatewayReference &reference : own) {
                reference.device = device.name;
                references.append(reference);
            }
            app.devices.append(device);
        },
        QStringLiteral("application.device"));
    for (const GatewayReference &reference : std::as_const(references)) {
        if (!firstLine.contains(reference.target)) {
            reader.fail(reference.where, reference.path,
                        QLatin1String("no device ") + quoted(reference.target) +
                            QLatin1String(" in this application (gateway-for names devices of the same "
                                          "[[application]])"));
        } else if (reference.target == reference.device) {
            reader.fail(reference.where, reference.path,
                        QLatin1String("device ") + quoted(reference.target) +
                            QLatin1String(" names itself; a device always acts for itself"));
        }
    }
}

// Reads [[application.member]]: a user and their roles in this application.
void readMembers(Reader &reader, const toml::node &node, const QString &path, ApplicationConfig &app)
{
    QHash<QString, toml::source_index> firstLine; // user -> line where first given roles
    reader.tables(
        node, path,
        [&](const toml::table &table, const QString &elementPath) {
            MemberConfig member;
            bool named = false;
            bool hasRoles = false;
            reader.readFields(
                table, elementPath,
                {
                    {"user", uniqueName(reader, firstLine, isValidUserName, QStringLiteral("member"),
                                        QStringLiteral(" in this application"), member.user, named)},
                    {"roles",
                     [&](const toml::node &n, const QString &keyPath) {
                         hasRoles = true;
                         const toml::array *roles = n.as_array();
                         if (!roles) {
                             reader.fail(n.source(), keyPath,
                                         QLatin1String("expected an array of roles such as [\"reader\"] "
                                                       "(reader, publisher, admin), ") +
                                             gotText(n, false));
                             return;
                         }
                         if (roles->empty()) {
                             reader.fail(
                                 n.source(), keyPath,
                                 QStringLiteral("name at least one role: reader, publisher or admin"));
                             return;
                         }
                         const QStringList choices{QStringLiteral("reader"), QStringLiteral("publisher"),
                                                   QStringLiteral("admin")};
                         for (std::size_t i = 0; i < roles->size(); ++i) {
                             const std::optional<QString> role =
                                 reader.choice(*roles->get(i), indexPath(keyPath, i), choices);
                             member.reader = member.reader || role == choices.at(0);
                             member.publisher = member.publisher || role == choices.at(1);
                             member.admin = member.admin || role == choices.at(2);
                         }
                     }},
                });
            if (!named) {
                reader.fail(table.source(), childPath(elementPath, "user"),
                            QStringLiteral("required key is missing"));
            }
            if (!hasRoles) {
                reader.fail(table.source(), childPath(elementPath, "roles"),
                            QStringLiteral("required key is missing (reader, publisher and/or admin)"));
            }
            app.members.append(member);
        },
        QStringLiteral("application.member"));
}

void readApplications(Reader &reader, const toml::node &node, const QString &path, Config &config)
{
    QHash<QString, toml::source_index> firstLine; // name -> line where it was first defined
    reader.tables(node, path, [&](const toml::table &table, const QString &elementPath) {
        ApplicationConfig app;
        bool named = false;
        reader.readFields(
            table, elementPath,
            {
                {"name", uniqueName(reader, firstLine, isValidApplicationName,
                                    QStringLiteral("application name"), QString(), app.name, named)},
                {"anonymous",
                 [&](const toml::node &n, const QString &keyPath) {
                     const toml::array *rights = n.as_array();
                     if (!rights) {
                         reader.fail(n.source(), keyPath,
                                     QLatin1String("expected an array such as [\"read\", \"command\"], ") +
                                         gotText(n, false));
                         return;
                     }
                     const QStringList choices{QStringLiteral("read"), QStringLiteral("command")};
                     for (std::size_t i = 0; i < rights->size(); ++i) {
                         const std::optional<QString> right =
                             reader.choice(*rights->get(i), indexPath(keyPath, i), choices);
                         if (right == choices.at(0)) {
                             app.anonymousRead = true;
                         } else if (right == choices.at(1)) {
                             app.anonymousCommand = true;
                         }
                     }
                 }},
                {"device",
                 [&](const toml::node &n, const QString &keyPath) { readDevices(reader, n, keyPath, app); }},
                {"member",
                 [&](const toml::node &n, const QString &keyPath) { readMembers(reader, n, keyPath, app); }},
            });
        if (!named) {
            reader.fail(table.source(), childPath(elementPath, "name"),
                        QStringLiteral("required key is missing"));
        }
        config.applications.append(app);
    });
}

void readRetention(Reader &reader, const toml::table &table, const QString &path, RetentionConfig &retention)
{
    reader.readFields(table, path,
                      {
                          {"max-events", reader.integerInto(retention.maxEvents, 1, int64Max)},
                          {"max-bytes", reader.sizeInto(retention.maxBytes, 1, int64Max)},
                          {"group-idle", reader.durationInto(retention.groupIdleSeconds, 1, int64Max)},
                      });
}

void readCommands(Reader &reader, const toml::table &table, const QString &path, CommandsConfig &commands)
{
    reader.readFields(table, path,
                      {
                          {"ttl", reader.durationInto(commands.ttlSeconds, 0, 7 * 24 * 3600)},
                          {"max-queued", reader.integerInto(commands.maxQueued, 1, 1000000)},
                          {"max-queued-bytes", reader.sizeInto(commands.maxQueuedBytes, 1, int64Max)},
                      });
}

void readSession(Reader &reader, const toml::table &table, const QString &path, SessionConfig &session)
{
    constexpr qint64 u16Max = std::numeric_limits<quint16>::max();
    constexpr qint64 u32Max = std::numeric_limits<quint32>::max();
    // 128 B holds a CONNECT with short fields; 256 MiB is MQTT's own packet size limit.
    constexpr qint64 packetMin = 128;
    constexpr qint64 packetMax = qint64(256) << 20;
    reader.readFields(
        table, path,
        {
            {"max-session-expiry", reader.durationInto(session.maxSessionExpirySeconds, 0, u32Max)},
            {"max-inflight", reader.integerInto(session.maxInflight, 1, u16Max)},
            {"max-packet-size", reader.sizeInto(session.maxPacketSize, packetMin, packetMax)},
            {"topic-alias-maximum", reader.integerInto(session.topicAliasMaximum, 0, u16Max)},
            {"max-keep-alive", reader.durationInto(session.maxKeepAliveSeconds, 1, u16Max)},
            {"socket-high-water", reader.sizeInto(session.socketHighWaterBytes, 1, int64Max)},
        });
}

void readDemo(Reader &reader, const toml::table &table, const QString &path, DemoConfig &demo)
{
    reader.readFields(table, path,
                      {
                          {"enabled",
                           [&](const toml::node &n, const QString &p) {
                               if (const std::optional<bool> v = reader.boolean(n, p)) {
                                   demo.enabled = *v;
                               }
                           }},
                          {"application",
                           [&](const toml::node &n, const QString &p) {
                               const std::optional<QString> name = reader.string(n, p);
                               QString reason;
                               if (name && !isValidApplicationName(*name, &reason)) {
                                   reader.fail(n.source(), p, reason);
                               } else if (name) {
                                   demo.application = *name;
                               }
                           }},
                          {"devices", reader.integerInto(demo.devices, 1, 1000)},
                          {"rate",
                           [&](const toml::node &n, const QString &p) {
                               if (const std::optional<double> v = reader.positiveNumber(n, p, 10000)) {
                                   demo.rate = *v;
                               }
                           }},
                      });
}

// An issuer identifier or endpoint: https, or http on a loopback address only (a local test
// issuer); no query, fragment or user info.
bool isValidIssuerUrl(const QString &text, QString *reason)
{
    const QUrl url(text, QUrl::StrictMode);
    const bool loopback = url.host() == QLatin1String("localhost") || QHostAddress(url.host()).isLoopback();
    if (!url.isValid() || url.host().isEmpty()) {
        *reason =
            QLatin1String("expected an absolute URL such as \"https://login.example.com/realms/iot\", got ") +
            quoted(text);
    } else if (url.scheme() != QLatin1String("https") &&
               !(url.scheme() == QLatin1String("http") && loopback)) {
        *reason = QLatin1String("expected an https:// URL (http:// only on a loopback address), got ") +
                  quoted(text);
    } else if (url.hasQuery() || url.hasFragment() || !url.userInfo().isEmpty()) {
        *reason = QLatin1String("expected a URL without query, fragment or user info, got ") + quoted(text);
    } else {
        return true;
    }
    return false;
}

// A string, or an array of strings, none empty.
QStringList stringList(Reader &reader, const toml::node &node, const QString &path, const QString &example)
{
    QStringList out;
    if (node.is_string()) {
        if (const std::optional<QString> s = reader.nonEmptyString(node, path)) {
            out.append(*s);
        }
        return out;
    }
    const toml::array *array = node.as_array();
    if (!array || array->empty()) {
        reader.fail(node.source(), path,
                    QLatin1String("expected a string or a non-empty array of strings such as ") + example +
                        QLatin1String(", ") + gotText(node, false));
        return out;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        if (const std::optional<QString> s = reader.nonEmptyString(*array->get(i), indexPath(path, i))) {
            if (!out.contains(*s)) {
                out.append(*s);
            }
        }
    }
    return out;
}

void readIntrospection(Reader &reader, const toml::table &table, const QString &path,
                       TokenIssuerConfig &issuer)
{
    reader.readFields(
        table, path,
        {
            {"endpoint",
             [&](const toml::node &n, const QString &p) {
                 const std::optional<QString> v = reader.nonEmptyString(n, p);
                 QString reason;
                 if (v && !isValidIssuerUrl(*v, &reason)) {
                     reader.fail(n.source(), p, reason);
                 } else if (v) {
                     issuer.introspectionEndpoint = *v;
                 }
             }},
            {"client-id",
             [&](const toml::node &n, const QString &p) {
                 if (const std::optional<QString> v = reader.nonEmptyString(n, p)) {
                     issuer.introspectionClientId = *v;
                 }
             }},
            {"client-secret-file",
             [&](const toml::node &n, const QString &p) {
                 const std::optional<QString> v = reader.nonEmptyString(n, p);
                 if (v && !QDir::isAbsolutePath(*v)) {
                     reader.fail(
                         n.source(), p,
                         QLatin1String("expected an absolute path (a file holding the client secret), got ") +
                             quoted(*v));
                 } else if (v) {
                     issuer.introspectionSecretFile = *v;
                 }
             }},
        });
    // A key that is present but wrong has had its own error already.
    if (!table.contains("client-id")) {
        reader.fail(table.source(), childPath(path, "client-id"), QStringLiteral("required key is missing"));
    }
    // An inline client-secret is refused as an unknown key; that is the error to show.
    if (!table.contains("client-secret-file") && !table.contains("client-secret")) {
        reader.fail(table.source(), childPath(path, "client-secret-file"),
                    QStringLiteral("required key is missing (the secret is never written in this file)"));
    }
}

// Reads [[token-issuer]]: OAuth2/OIDC issuers whose access tokens the integration API accepts.
void readTokenIssuers(Reader &reader, const toml::node &node, const QString &path, Config &config)
{
    QHash<QString, toml::source_index> firstLine; // url -> line where it was first given
    bool introspectionSeen = false;
    reader.tables(node, path, [&](const toml::table &table, const QString &elementPath) {
        TokenIssuerConfig issuer;
        reader.readFields(
            table, elementPath,
            {
                {"url",
                 [&](const toml::node &n, const QString &p) {
                     const std::optional<QString> v = reader.nonEmptyString(n, p);
                     QString reason;
                     if (!v) {
                         return;
                     }
                     if (!isValidIssuerUrl(*v, &reason)) {
                         reader.fail(n.source(), p, reason);
                         return;
                     }
                     const auto first = firstLine.constFind(*v);
                     if (first != firstLine.cend()) {
                         reader.fail(n.source(), p,
                                     QLatin1String("issuer ") + quoted(*v) +
                                         QLatin1String(" is already configured (line ") +
                                         QString::number(*first) + QLatin1Char(')'));
                         return;
                     }
                     firstLine.insert(*v, n.source().begin.line);
                     issuer.url = *v;
                 }},
                {"audience",
                 [&](const toml::node &n, const QString &p) {
                     issuer.audiences = stringList(reader, n, p, QStringLiteral("[\"urn:drover:mqtt\"]"));
                 }},
                {"match-azp",
                 [&](const toml::node &n, const QString &p) {
                     if (const std::optional<bool> v = reader.boolean(n, p)) {
                         issuer.matchAzp = *v;
                     }
                 }},
                {"username-claim",
                 [&](const toml::node &n, const QString &p) {
                     if (const std::optional<QString> v = reader.nonEmptyString(n, p)) {
                         issuer.usernameClaim = *v;
                     }
                 }},
                {"leeway", reader.durationInto(issuer.leewaySeconds, 0, 300)},
                {"key-refetch-interval", reader.durationInto(issuer.keyRefetchIntervalSeconds, 1, 3600)},
                {"allowed-algorithms",
                 [&](const toml::node &n, const QString &p) {
                     const toml::array *algorithms = n.as_array();
                     if (!algorithms || algorithms->empty()) {
                         reader.fail(
                             n.source(), p,
                             QLatin1String("expected a non-empty array such as [\"RS256\", \"ES256\"], ") +
                                 gotText(n, false));
                         return;
                     }
                     // Public-key signatures only: "none" and HMAC (HS256...) would let anyone who
                     // knows the issuer's public key sign tokens.
                     const QStringList choices{
                         QStringLiteral("RS256"), QStringLiteral("RS384"), QStringLiteral("RS512"),
                         QStringLiteral("PS256"), QStringLiteral("PS384"), QStringLiteral("PS512"),
                         QStringLiteral("ES256"), QStringLiteral("ES384"), QStringLiteral("ES512")};
                     issuer.allowedAlgorithms.clear();
                     for (std::size_t i = 0; i < algorithms->size(); ++i) {
                         const std::optional<QString> alg =
                             reader.choice(*algorithms->get(i), indexPath(p, i), choices);
                         if (alg && !issuer.allowedAlgorithms.contains(*alg)) {
                             issuer.allowedAlgorithms.append(*alg);
                         }
                     }
                 }},
                {"introspection",
                 [&](const toml::node &n, const QString &p) {
                     const toml::table *t = reader.table(n, p);
                     if (!t) {
                         return;
                     }
                     if (introspectionSeen) {
                         reader.fail(n.source(), p,
                                     QStringLiteral("only one issuer may introspect opaque tokens (an opaque "
                                                    "token does not say whose it is)"));
                         return;
                     }
                     introspectionSeen = true;
                     readIntrospection(reader, *t, p, issuer);
                 }},
            });
        if (!table.get("url")) {
            reader.fail(table.source(), childPath(elementPath, "url"),
                        QStringLiteral("required key is missing"));
        }
        if (!table.get("audience")) {
            reader.fail(table.source(), childPath(elementPath, "audience"),
                        QStringLiteral("required key is missing (the audience this gateway's tokens carry)"));
        }
        config.tokenIssuers.append(issuer);
    });
}

// [tls]: the certificate every TLS listener presents, and what devices must present.
void readTls(Reader &reader, const toml::table &table, const QString &path, TlsConfig &tls)
{
    // Which keys are there, valid or not: a wrong value is its own error, not a missing key.
    bool certificateGiven = false;
    bool keyGiven = false;
    bool passphraseGiven = false;
    bool clientCaGiven = false;
    const toml::node *clientCertificatesNode = nullptr;
    const auto file = [&reader](QString &target, bool &given) {
        return [&reader, &target, &given](const toml::node &n, const QString &p) {
            given = true;
            if (const std::optional<QString> v = reader.nonEmptyString(n, p)) {
                target = *v;
            }
        };
    };
    reader.readFields(
        table, path,
        {
            {"certificate", file(tls.certificateFile, certificateGiven)},
            {"private-key", file(tls.privateKeyFile, keyGiven)},
            {"private-key-passphrase-file", file(tls.privateKeyPassphraseFile, passphraseGiven)},
            {"client-ca", file(tls.clientCaFile, clientCaGiven)},
            {"client-certificates",
             [&](const toml::node &n, const QString &p) {
                 clientCertificatesNode = &n;
                 const QStringList choices{QStringLiteral("optional"), QStringLiteral("required")};
                 if (const std::optional<QString> v = reader.choice(n, p, choices)) {
                     tls.clientCertificates = *v == choices.at(1) ? TlsConfig::ClientCertificates::Required
                                                                  : TlsConfig::ClientCertificates::Optional;
                 }
             }},
            {"min-version",
             [&](const toml::node &n, const QString &p) {
                 const QStringList choices{QStringLiteral("1.2"), QStringLiteral("1.3")};
                 if (const std::optional<QString> v = reader.choice(n, p, choices)) {
                     tls.minVersion =
                         *v == choices.at(1) ? TlsConfig::Version::Tls13 : TlsConfig::Version::Tls12;
                 }
             }},
        });
    if (certificateGiven && !keyGiven) {
        reader.fail(table.source(), childPath(path, "private-key"),
                    QStringLiteral("required key is missing (the private key of certificate)"));
    } else if (keyGiven && !certificateGiven) {
        reader.fail(table.source(), childPath(path, "certificate"),
                    QStringLiteral("required key is missing (the certificate of private-key)"));
    } else if (passphraseGiven && !keyGiven) {
        reader.fail(table.source(), childPath(path, "private-key"),
                    QStringLiteral("required key is missing (private-key-passphrase-file decrypts it)"));
    }
    if (clientCertificatesNode && !clientCaGiven) {
        reader.fail(clientCertificatesNode->source(), childPath(path, "client-certificates"),
                    QStringLiteral("needs client-ca, the CA certificates the devices' certificates must "
                                   "chain to"));
    }
}

// A TLS listener presents the certificate of [tls]: one in a file without it is refused at
// the listener.
void checkTlsListeners(Reader &reader, const toml::table &root, const Config &config)
{
    const toml::node *node = root.get("listener");
    const toml::array *listeners = node ? node->as_array() : nullptr;
    if (!listeners || !config.tls.certificateFile.isEmpty()) {
        return;
    }
    for (std::size_t i = 0; i < listeners->size(); ++i) {
        const toml::table *table = listeners->get(i)->as_table();
        const toml::node *kindNode = table ? table->get("kind") : nullptr;
        const auto *name = kindNode ? kindNode->as_string() : nullptr;
        const std::optional<ListenerConfig::Kind> kind =
            name ? listenerKindFromName(fromStd(name->get())) : std::nullopt;
        if (kind && isTlsListener(*kind)) {
            reader.fail(kindNode->source(), childPath(indexPath(QStringLiteral("listener"), i), "kind"),
                        quoted(fromStd(name->get())) +
                            QLatin1String(" listens with TLS: set certificate and private-key in [tls]"));
            return; // the first says it
        }
    }
}

void readDocument(Reader &reader, const toml::table &root, Config &config)
{
    const auto section = [&](auto read, auto &target) {
        return [&reader, read, &target](const toml::node &n, const QString &p) {
            if (const toml::table *t = reader.table(n, p)) {
                read(reader, *t, p, target);
            }
        };
    };
    reader.readFields(
        root, QString(),
        {
            {"instance",
             [&](const toml::node &n, const QString &p) {
                 if (const std::optional<QString> v = reader.nonEmptyString(n, p)) {
                     config.instance = *v;
                 }
             }},
            {"log-level",
             [&](const toml::node &n, const QString &p) {
                 const QStringList levels{QStringLiteral("debug"), QStringLiteral("info"),
                                          QStringLiteral("warning"), QStringLiteral("error")};
                 if (const std::optional<QString> v = reader.choice(n, p, levels)) {
                     config.logLevel = *v;
                 }
             }},
            {"state-dir",
             [&](const toml::node &n, const QString &p) {
                 const std::optional<QString> v = reader.nonEmptyString(n, p);
                 if (v && !QDir::isAbsolutePath(*v)) {
                     reader.fail(n.source(), p,
                                 QLatin1String("expected an absolute path (the directory droverd keeps "
                                               "api-keys.json in), got ") +
                                     quoted(*v));
                 } else if (v) {
                     config.stateDir = QDir::cleanPath(*v);
                 }
             }},
            {"listener", [&](const toml::node &n, const QString &p) { readListeners(reader, n, p, config); }},
            {"retention", section(readRetention, config.retention)},
            {"session", section(readSession, config.session)},
            {"commands", section(readCommands, config.commands)},
            {"demo", section(readDemo, config.demo)},
            {"tls", section(readTls, config.tls)},
            {"application",
             [&](const toml::node &n, const QString &p) { readApplications(reader, n, p, config); }},
            {"token-issuer",
             [&](const toml::node &n, const QString &p) { readTokenIssuers(reader, n, p, config); }},
        });
    checkTlsListeners(reader, root, config);
}

QString syntaxError(const QString &sourceName, const toml::parse_error &error)
{
    const toml::source_position where = error.source().begin;
    return sourceName + QLatin1Char(':') + QString::number(where.line) + QLatin1Char(':') +
           QString::number(where.column) + QLatin1String(": ") + fromStd(error.description());
}

void setError(QString *error, const QString &message)
{
    if (error) {
        *error = message;
    }
}

std::optional<Config> parseDocument(const QByteArray &toml, const QString &sourceName, QString *error)
{
    const std::string_view text(toml.constData(), std::size_t(toml.size()));
    const std::string source = sourceName.toStdString();
#if TOML_EXCEPTIONS
    toml::table root;
    try {
        root = toml::parse(text, std::string_view(source));
    } catch (const toml::parse_error &e) {
        setError(error, syntaxError(sourceName, e));
        return std::nullopt;
    }
#else
    toml::parse_result result = toml::parse(text, std::string_view(source));
    if (!result) {
        setError(error, syntaxError(sourceName, result.error()));
        return std::nullopt;
    }
    const toml::table root = std::move(result).table();
#endif

    Config config;
    Reader reader(sourceName);
    readDocument(reader, root, config);
    if (reader.hasError()) {
        setError(error, reader.error());
        return std::nullopt;
    }
    return config;
}

} // namespace

std::optional<Config> ConfigLoader::loadFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        setError(error, QLatin1String("cannot read ") + path + QLatin1String(": ") + file.errorString());
        return std::nullopt;
    }
    const QByteArray content = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        setError(error, QLatin1String("cannot read ") + path + QLatin1String(": ") + file.errorString());
        return std::nullopt;
    }
    std::optional<Config> config = parse(content, path, error);
    if (config) {
        // The certificate files of [tls] sit beside the configuration, whatever droverd's
        // working directory (/ under systemd).
        const QDir directory = QFileInfo(path).absoluteDir();
        for (QString *file : {&config->tls.certificateFile, &config->tls.privateKeyFile,
                              &config->tls.privateKeyPassphraseFile, &config->tls.clientCaFile}) {
            if (!file->isEmpty()) {
                *file = QDir::cleanPath(directory.absoluteFilePath(*file));
            }
        }
    }
    return config;
}

std::optional<Config> ConfigLoader::parse(const QByteArray &toml, const QString &sourceName, QString *error)
{
    // Nothing may escape into the caller's event loop; toml++ and allocation may throw.
    try {
        return parseDocument(toml, sourceName, error);
    } catch (const std::exception &e) {
        setError(error,
                 sourceName + QLatin1String(": cannot read configuration: ") + QString::fromUtf8(e.what()));
    } catch (...) {
        setError(error, sourceName + QLatin1String(": cannot read configuration"));
    }
    return std::nullopt;
}

} // namespace drover::config
