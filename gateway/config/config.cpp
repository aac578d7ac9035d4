#include "config.h"

#include <limits>

namespace drover::config {

const ApplicationConfig *Config::application(const QString &name) const
{
    for (const ApplicationConfig &app : applications) {
        if (app.name == name) {
            return &app;
        }
    }
    return nullptr;
}

const DeviceConfig *ApplicationConfig::device(const QString &name) const
{
    for (const DeviceConfig &device : devices) {
        if (device.name == name) {
            return &device;
        }
    }
    return nullptr;
}

namespace {

void setError(QString *error, const QString &message)
{
    if (error) {
        *error = message;
    }
}

bool isAsciiDigits(QStringView text)
{
    if (text.isEmpty()) {
        return false;
    }
    for (QChar c : text) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9')) {
            return false;
        }
    }
    return true;
}

// Strict dotted quad: QHostAddress also takes "127.1" and similar inet_aton shorthands,
// which read like typos in a configuration file.
std::optional<QHostAddress> parseIpv4(QStringView text)
{
    const QList<QStringView> parts = text.split(QLatin1Char('.'));
    if (parts.size() != 4) {
        return std::nullopt;
    }
    quint32 address = 0;
    for (QStringView part : parts) {
        // No leading zeros: some tools read them as octal.
        if (!isAsciiDigits(part) || part.size() > 3 ||
            (part.size() > 1 && part.front() == QLatin1Char('0'))) {
            return std::nullopt;
        }
        const uint octet = part.toUInt();
        if (octet > 255) {
            return std::nullopt;
        }
        address = (address << 8) | octet;
    }
    return QHostAddress(address);
}

bool looksNumeric(QStringView text)
{
    for (QChar c : text) {
        if (c != QLatin1Char('.') && (c < QLatin1Char('0') || c > QLatin1Char('9'))) {
            return false;
        }
    }
    return true;
}

struct Unit {
    QLatin1String name;
    qint64 factor;
};

// Splits "64 MiB" into 64 and a factor from units; the first unit is the largest.
// what names the quantity in messages ("size", "duration").
template <std::size_t N>
std::optional<qint64> parseWithUnit(const QString &text, const Unit (&units)[N], QLatin1String what,
                                    QLatin1String expectation, QLatin1String unknownUnitHint, QString *error)
{
    const QString quoted = QLatin1Char('"') + text + QLatin1Char('"');
    const QStringView trimmed = QStringView(text).trimmed();
    qsizetype digits = 0;
    while (digits < trimmed.size() && trimmed.at(digits) >= QLatin1Char('0') &&
           trimmed.at(digits) <= QLatin1Char('9')) {
        ++digits;
    }
    const QStringView number = trimmed.left(digits);
    const QStringView unitText = trimmed.mid(digits).trimmed();
    const bool unitIsWord = !unitText.isEmpty() && unitText.front().isLetter();
    if (number.isEmpty() || (!unitText.isEmpty() && !unitIsWord)) {
        setError(error, quoted + QLatin1String(" is not a ") + what + QLatin1String(": ") + expectation);
        return std::nullopt;
    }
    qint64 factor = 0;
    for (const Unit &unit : units) {
        if (unitText == unit.name) {
            factor = unit.factor;
        }
    }
    if (unitText.isEmpty()) {
        factor = 1;
    }
    if (factor == 0) {
        setError(error, quoted + QLatin1String(" is not a ") + what + QLatin1String(": unknown unit \"") +
                            unitText.toString() + QLatin1String("\" ") + unknownUnitHint);
        return std::nullopt;
    }
    bool ok = false;
    const qint64 value = number.toLongLong(&ok);
    if (!ok || value > std::numeric_limits<qint64>::max() / factor) {
        setError(error, quoted + QLatin1String(" is too large"));
        return std::nullopt;
    }
    return value * factor;
}

template <std::size_t N> QString formatWithUnit(qint64 value, const Unit (&units)[N])
{
    for (const Unit &unit : units) {
        if (value != 0 && value % unit.factor == 0) {
            return QString::number(value / unit.factor) + unit.name;
        }
    }
    return QString::number(value) + units[N - 1].name;
}

const Unit sizeUnits[] = {
    {QLatin1String("GiB"), qint64(1) << 30},
    {QLatin1String("MiB"), qint64(1) << 20},
    {QLatin1String("KiB"), qint64(1) << 10},
    {QLatin1String("B"), 1},
};

const Unit durationUnits[] = {
    {QLatin1String("d"), 86400},
    {QLatin1String("h"), 3600},
    {QLatin1String("m"), 60},
    {QLatin1String("s"), 1},
};

struct KindName {
    ListenerConfig::Kind kind;
    QLatin1String name;
};

// Adding a listener kind: extend ListenerConfig::Kind, add its name here, and give
// ConfigLoader its kind-specific keys.
const KindName kindNames[] = {
    {ListenerConfig::Kind::Mqtt, QLatin1String("mqtt")},
    {ListenerConfig::Kind::DeviceMqtt, QLatin1String("device-mqtt")},
    {ListenerConfig::Kind::DeviceHttp, QLatin1String("device-http")},
    {ListenerConfig::Kind::WebSocket, QLatin1String("ws")},
    {ListenerConfig::Kind::DeviceWebSocket, QLatin1String("device-ws")},
    {ListenerConfig::Kind::Mqtts, QLatin1String("mqtts")},
    {ListenerConfig::Kind::DeviceMqtts, QLatin1String("device-mqtts")},
    {ListenerConfig::Kind::SecureWebSocket, QLatin1String("wss")},
    {ListenerConfig::Kind::DeviceSecureWebSocket, QLatin1String("device-wss")},
};

} // namespace

std::optional<ListenerConfig> parseListenAddress(const QString &text, QString *error)
{
    const QString quoted = QLatin1Char('"') + text + QLatin1Char('"');
    const auto fail = [&](const QString &reason) {
        setError(error, QLatin1String("invalid address ") + quoted + QLatin1String(": ") + reason);
        return std::nullopt;
    };
    if (text.isEmpty()) {
        return fail(QStringLiteral("expected HOST:PORT"));
    }

    QStringView host;
    QStringView port;
    bool bracketed = false;
    if (text.startsWith(QLatin1Char('['))) {
        const qsizetype close = text.indexOf(QLatin1Char(']'));
        if (close < 0) {
            return fail(QStringLiteral("missing ']' after the IPv6 address"));
        }
        if (close + 1 >= text.size() || text.at(close + 1) != QLatin1Char(':')) {
            return fail(QStringLiteral("expected ':PORT' after ']'"));
        }
        host = QStringView(text).mid(1, close - 1);
        port = QStringView(text).mid(close + 2);
        bracketed = true;
    } else {
        const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
        if (colon < 0) {
            return fail(QStringLiteral("missing port; expected HOST:PORT"));
        }
        host = QStringView(text).left(colon);
        port = QStringView(text).mid(colon + 1);
        if (host.contains(QLatin1Char(':'))) {
            return fail(QStringLiteral("an IPv6 address must be in brackets, as in [::1]:1883"));
        }
    }

    if (!isAsciiDigits(port) || port.size() > 5 || port.toUInt() > 65535) {
        return fail(QLatin1String("invalid port \"") + port.toString() +
                    QLatin1String("\"; expected 0 to 65535"));
    }
    if (host.isEmpty()) {
        return fail(QStringLiteral("missing host; use 0.0.0.0 or [::] to listen on all interfaces"));
    }

    ListenerConfig listener;
    listener.port = quint16(port.toUInt());
    if (bracketed) {
        QHostAddress address;
        if (!address.setAddress(host.toString()) || address.protocol() != QAbstractSocket::IPv6Protocol) {
            return fail(QStringLiteral("not an IPv6 address inside the brackets"));
        }
        listener.address = address;
    } else if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0) {
        listener.address = QHostAddress(QHostAddress::LocalHost);
    } else if (const std::optional<QHostAddress> v4 = parseIpv4(host)) {
        listener.address = *v4;
    } else if (looksNumeric(host)) {
        return fail(QStringLiteral("not an IPv4 address"));
    } else {
        return fail(QStringLiteral("host names other than localhost are not resolved; give an IP address"));
    }
    return listener;
}

QString formatListenAddress(const ListenerConfig &listener)
{
    const QString port = QString::number(listener.port);
    if (listener.address.protocol() == QAbstractSocket::IPv6Protocol) {
        return QLatin1Char('[') + listener.address.toString() + QLatin1String("]:") + port;
    }
    return listener.address.toString() + QLatin1Char(':') + port;
}

std::optional<ListenerConfig::Kind> listenerKindFromName(const QString &name)
{
    for (const KindName &entry : kindNames) {
        if (name == entry.name) {
            return entry.kind;
        }
    }
    return std::nullopt;
}

QString listenerKindName(ListenerConfig::Kind kind)
{
    for (const KindName &entry : kindNames) {
        if (entry.kind == kind) {
            return entry.name;
        }
    }
    return QString();
}

bool isTlsListener(ListenerConfig::Kind kind)
{
    switch (kind) {
    case ListenerConfig::Kind::Mqtts:
    case ListenerConfig::Kind::DeviceMqtts:
    case ListenerConfig::Kind::SecureWebSocket:
    case ListenerConfig::Kind::DeviceSecureWebSocket:
        return true;
    case ListenerConfig::Kind::Mqtt:
    case ListenerConfig::Kind::DeviceMqtt:
    case ListenerConfig::Kind::DeviceHttp:
    case ListenerConfig::Kind::WebSocket:
    case ListenerConfig::Kind::DeviceWebSocket:
        break;
    }
    return false;
}

QStringList listenerKindNames()
{
    QStringList names;
    for (const KindName &entry : kindNames) {
        names.append(entry.name);
    }
    return names;
}

std::optional<qint64> parseByteSize(const QString &text, QString *error)
{
    return parseWithUnit(
        text, sizeUnits, QLatin1String("size"),
        QLatin1String("expected a whole number of bytes with an optional unit B, KiB, MiB or GiB"),
        QLatin1String("(units are B, KiB, MiB and GiB, powers of 1024)"), error);
}

QString formatByteSize(qint64 bytes)
{
    return formatWithUnit(bytes, sizeUnits);
}

std::optional<qint64> parseDuration(const QString &text, QString *error)
{
    return parseWithUnit(
        text, durationUnits, QLatin1String("duration"),
        QLatin1String("expected a whole number of seconds with an optional unit s, m, h or d"),
        QLatin1String("(units are s, m, h and d)"), error);
}

QString formatDuration(qint64 seconds)
{
    return formatWithUnit(seconds, durationUnits);
}

namespace {

// The rules application and device names share: each is one MQTT topic level.
// forbidden lists the characters refused besides whitespace and control characters.
bool isValidName(const QString &name, QLatin1String kind, QLatin1String ifEmpty, QLatin1String forbidden,
                 QString *error)
{
    if (name.isEmpty()) {
        setError(error, ifEmpty);
        return false;
    }
    for (QChar c : name) {
        if (forbidden.contains(c)) {
            const QLatin1String reason =
                c == QLatin1Char('@') ? QLatin1String("'@' separates device and application in user names")
                                      : QLatin1String("names are MQTT topic levels");
            setError(error, kind + QLatin1String(" name \"") + name + QLatin1String("\" contains '") + c +
                                QLatin1String("'; ") + reason);
            return false;
        }
        if (c.isSpace() || c.category() == QChar::Other_Control) {
            setError(error, kind + QLatin1String(" name \"") + name +
                                QLatin1String("\" contains whitespace or a control character"));
            return false;
        }
    }
    return true;
}

QList<QByteArrayView> splitView(QByteArrayView text, char separator)
{
    QList<QByteArrayView> parts;
    qsizetype from = 0;
    for (qsizetype i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text.at(i) == separator) {
            parts.append(text.sliced(from, i - from));
            from = i + 1;
        }
    }
    return parts;
}

// A decimal u32 without sign or leading zeros, as the Argon2 string decoders read it.
std::optional<quint32> argonNumber(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 10 || (text.size() > 1 && text.front() == '0')) {
        return std::nullopt;
    }
    quint64 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + quint64(c - '0');
    }
    if (value > std::numeric_limits<quint32>::max()) {
        return std::nullopt;
    }
    return quint32(value);
}

// Decoded length of unpadded standard base64, or -1 if text is not that.
qsizetype base64Bytes(QByteArrayView text)
{
    for (char c : text) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '+' || c == '/';
        if (!ok) {
            return -1;
        }
    }
    if (text.size() % 4 == 1) {
        return -1;
    }
    return text.size() * 3 / 4;
}

} // namespace

bool isValidApplicationName(const QString &name, QString *error)
{
    return isValidName(name, QLatin1String("application"),
                       QLatin1String("an application name must not be empty"), QLatin1String("/+#"), error);
}

bool isValidDeviceName(const QString &name, QString *error)
{
    return isValidName(name, QLatin1String("device"), QLatin1String("a device name must not be empty"),
                       QLatin1String("/+#@"), error);
}

bool isValidUserName(const QString &name, QString *error)
{
    constexpr qsizetype maxLength = 256;
    if (name.isEmpty()) {
        setError(error, QLatin1String("a user name must not be empty"));
        return false;
    }
    if (name.size() > maxLength) {
        setError(error, QLatin1String("a user name has at most ") + QString::number(maxLength) +
                            QLatin1String(" characters"));
        return false;
    }
    for (QChar c : name) {
        if (c.isSpace() || c.category() == QChar::Other_Control) {
            setError(error, QLatin1String("user name \"") + name +
                                QLatin1String("\" contains whitespace or a control character"));
            return false;
        }
    }
    return true;
}

QString defaultStateDir()
{
    // systemd hands a unit with StateDirectory=drover its directory in $STATE_DIRECTORY
    // (several, colon-separated, if the unit asks for several: the first is ours).
    const QString systemd = qEnvironmentVariable("STATE_DIRECTORY").section(QLatin1Char(':'), 0, 0);
    if (!systemd.isEmpty()) {
        return systemd;
    }
    const QString xdg = qEnvironmentVariable("XDG_STATE_HOME");
    if (xdg.startsWith(QLatin1Char('/'))) { // the XDG spec ignores relative paths
        return xdg + QLatin1String("/drover");
    }
    return qEnvironmentVariable("HOME") + QLatin1String("/.local/state/drover");
}

QString stateDirOf(const Config &config)
{
    return config.stateDir.isEmpty() ? defaultStateDir() : config.stateDir;
}

bool isValidPasswordHash(const QByteArray &hash, QString *error)
{
    // libsodium's crypto_pwhash_str writes at most crypto_pwhash_STRBYTES - 1 characters.
    constexpr qsizetype maxLength = 127;
    // The Argon2 reference decoder's minimums (ARGON2_MIN_DECODED_SALT_LEN / _OUT_LEN).
    constexpr qsizetype minSaltBytes = 8;
    constexpr qsizetype minHashBytes = 12;
    const QLatin1String hint(" (create one with droverd hash-password; a plain password is not accepted)");
    if (hash.isEmpty()) {
        setError(error, QLatin1String("must not be empty; leave password-hash out for a device without a "
                                      "password"));
        return false;
    }
    QByteArrayView rest(hash);
    if (rest.startsWith("$argon2id$")) {
        rest = rest.sliced(10);
    } else if (rest.startsWith("$argon2i$")) {
        rest = rest.sliced(9);
    } else {
        setError(error, QLatin1String("not an Argon2 hash string: expected one that starts with "
                                      "\"$argon2id$\" or \"$argon2i$\"") +
                            hint);
        return false;
    }
    if (hash.size() > maxLength) {
        setError(error, QLatin1String("an Argon2 hash string has at most ") + QString::number(maxLength) +
                            QLatin1String(" characters, this one ") + QString::number(hash.size()));
        return false;
    }
    const QList<QByteArrayView> parts = splitView(rest, '$');
    // v=19 $ m=..,t=..,p=.. $ salt $ hash
    if (parts.size() != 4) {
        setError(error, QLatin1String("malformed Argon2 hash string: expected "
                                      "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>") +
                            hint);
        return false;
    }
    if (parts.at(0) != "v=19") {
        setError(error, QStringLiteral("unsupported Argon2 version: expected v=19"));
        return false;
    }
    const QList<QByteArrayView> params = splitView(parts.at(1), ',');
    std::optional<quint32> memory;
    std::optional<quint32> passes;
    std::optional<quint32> lanes;
    if (params.size() == 3 && params.at(0).startsWith("m=") && params.at(1).startsWith("t=") &&
        params.at(2).startsWith("p=")) {
        memory = argonNumber(params.at(0).sliced(2));
        passes = argonNumber(params.at(1).sliced(2));
        lanes = argonNumber(params.at(2).sliced(2));
    }
    if (!memory || !passes || !lanes || *passes < 1 || *lanes < 1 || quint64(*memory) < 8 * quint64(*lanes)) {
        setError(error, QStringLiteral("malformed Argon2 parameters: expected m=<KiB>,t=<passes>,p=<lanes> "
                                       "with t and p at least 1 and m at least 8 KiB per lane"));
        return false;
    }
    if (base64Bytes(parts.at(2)) < minSaltBytes || base64Bytes(parts.at(3)) < minHashBytes) {
        setError(error, QStringLiteral("malformed Argon2 hash string: the salt and the hash must be unpadded "
                                       "base64 of at least 8 and 12 bytes"));
        return false;
    }
    return true;
}

} // namespace drover::config
