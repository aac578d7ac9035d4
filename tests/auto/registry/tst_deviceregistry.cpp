// DeviceRegistry: lookups and gateways from a Config, and password checks that run off the
// event loop, come back on it, respect their context's lifetime and don't reveal by their
// timing which devices exist.
#include "registry/deviceregistry.h"
#include "registry/passwordhasher.h"

#include <QElapsedTimer>
#include <QTest>
#include <QThread>
#include <QThreadPool>

#include <algorithm>
#include <optional>

using namespace drover;
using namespace drover::registry;

Q_DECLARE_METATYPE(drover::registry::VerifyResult)

namespace {

// Waits for one asynchronous check and records what arrived where.
struct Outcome {
    std::optional<VerifyResult> result;
    QThread *thread = nullptr;
    int calls = 0;

    std::function<void(VerifyResult)> callback()
    {
        return [this](VerifyResult r) {
            result = r;
            thread = QThread::currentThread();
            ++calls;
        };
    }
};

config::DeviceConfig device(const char *name, const QByteArray &hash, bool enabled = true,
                            QStringList gatewayFor = {})
{
    return config::DeviceConfig{QString::fromUtf8(name), hash, enabled, std::move(gatewayFor)};
}

} // namespace

class TestDeviceRegistry : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void emptyRegistry();
    void lookup();
    void gatewayFor_data();
    void gatewayFor();
    void verify_data();
    void verify();
    void resultNames();
    void deliveredOnTheLoopNeverSynchronously();
    void droppedForContextDestroyedBeforeTheCheckRuns();
    void droppedForContextDestroyedBeforeDelivery();
    void nullContextOrCallbackIsIgnored();
    void requestFromAnotherThread();
    void inFlightCheckSurvivesSwap();
    void revokedByANewerRegistry();
    void unknownDeviceTakesAboutAsLong();

private:
    VerifyResult check(const DeviceRegistry &registry, const char *app, const char *device,
                       const QByteArray &password);

    QByteArray m_sensorHash;  // "s3cret"
    QByteArray m_gatewayHash; // "gw-pass"
    config::Config m_config;
};

void TestDeviceRegistry::initTestCase()
{
    QVERIFY(PasswordHasher::initialize());
    m_sensorHash = PasswordHasher::hash(QByteArrayLiteral("s3cret"));
    m_gatewayHash = PasswordHasher::hash(QByteArrayLiteral("gw-pass"));
    QVERIFY(!m_sensorHash.isEmpty() && !m_gatewayHash.isEmpty());

    config::ApplicationConfig lab{QStringLiteral("lab"), false, false, {}, {}};
    lab.devices = {
        device("sensor-1", m_sensorHash),
        device("sensor-2", m_sensorHash),
        device("gw", m_gatewayHash, true, {QStringLiteral("sensor-1"), QStringLiteral("old")}),
        device("old", m_sensorHash, false),
        device("old-gw", m_gatewayHash, false, {QStringLiteral("sensor-1")}),
        device("no-password", QByteArray()),
    };
    config::ApplicationConfig plant{QStringLiteral("plant"), true, false, {}, {}};
    plant.devices = {device("sensor-1", m_gatewayHash)};
    config::ApplicationConfig empty{QStringLiteral("empty"), false, false, {}, {}};
    m_config.applications = {lab, plant, empty};
}

VerifyResult TestDeviceRegistry::check(const DeviceRegistry &registry, const char *app, const char *device,
                                       const QByteArray &password)
{
    QObject context;
    Outcome outcome;
    registry.verifyPassword(QString::fromUtf8(app), QString::fromUtf8(device), password, &context,
                            outcome.callback());
    [&] { QTRY_VERIFY_WITH_TIMEOUT(outcome.result.has_value(), 10000); }();
    return outcome.result.value_or(VerifyResult::Ok);
}

void TestDeviceRegistry::emptyRegistry()
{
    const DeviceRegistry registry;
    QCOMPARE(registry.applicationCount(), 0);
    QCOMPARE(registry.deviceCount(), 0);
    QVERIFY(!registry.hasApplication(QStringLiteral("lab")));
    QCOMPARE(registry.lookup(QStringLiteral("lab"), QStringLiteral("sensor-1")), nullptr);
    QCOMPARE(check(registry, "lab", "sensor-1", "s3cret"), VerifyResult::UnknownApplication);
}

void TestDeviceRegistry::lookup()
{
    const auto registry = DeviceRegistry::create(m_config);
    QCOMPARE(registry->applicationCount(), 3);
    QCOMPARE(registry->deviceCount(), 7);
    QVERIFY(registry->hasApplication(QStringLiteral("empty")));
    QVERIFY(!registry->hasApplication(QStringLiteral("Lab")));

    const Device *sensor = registry->lookup(QStringLiteral("lab"), QStringLiteral("sensor-1"));
    QVERIFY(sensor);
    QCOMPARE(sensor->application, QStringLiteral("lab"));
    QCOMPARE(sensor->name, QStringLiteral("sensor-1"));
    QCOMPARE(sensor->passwordHash, m_sensorHash);
    QVERIFY(sensor->enabled);
    QVERIFY(sensor->hasPassword());
    QVERIFY(sensor->gatewayFor.isEmpty());

    // Same device name, other application: another device.
    const Device *plantSensor = registry->lookup(QStringLiteral("plant"), QStringLiteral("sensor-1"));
    QVERIFY(plantSensor && plantSensor != sensor);
    QCOMPARE(plantSensor->passwordHash, m_gatewayHash);

    const Device *gw = registry->lookup(QStringLiteral("lab"), QStringLiteral("gw"));
    QVERIFY(gw);
    QCOMPARE(gw->gatewayFor, (QSet<QString>{QStringLiteral("sensor-1"), QStringLiteral("old")}));
    QVERIFY(!registry->lookup(QStringLiteral("lab"), QStringLiteral("old"))->enabled);
    QVERIFY(!registry->lookup(QStringLiteral("lab"), QStringLiteral("no-password"))->hasPassword());

    QCOMPARE(registry->lookup(QStringLiteral("lab"), QStringLiteral("nobody")), nullptr);
    QCOMPARE(registry->lookup(QStringLiteral("nowhere"), QStringLiteral("sensor-1")), nullptr);
    QCOMPARE(registry->lookup(QStringLiteral("empty"), QString()), nullptr);
    QCOMPARE(registry->lookup(QStringLiteral("lab"), QStringLiteral("Sensor-1")), nullptr); // case-sensitive
}

void TestDeviceRegistry::gatewayFor_data()
{
    QTest::addColumn<QString>("application");
    QTest::addColumn<QString>("gateway");
    QTest::addColumn<QString>("device");
    QTest::addColumn<bool>("allowed");
    const auto row = [](const char *name, const char *app, const char *gateway, const char *device,
                        bool allowed) {
        QTest::newRow(name) << QString::fromUtf8(app) << QString::fromUtf8(gateway)
                            << QString::fromUtf8(device) << allowed;
    };
    row("listed", "lab", "gw", "sensor-1", true);
    row("not listed", "lab", "gw", "sensor-2", false);
    row("listed but disabled device", "lab", "gw", "old", false);
    row("disabled gateway", "lab", "old-gw", "sensor-1", false);
    row("not a gateway", "lab", "sensor-1", "sensor-2", false);
    row("itself", "lab", "gw", "gw", false);
    row("itself, plain device", "lab", "sensor-1", "sensor-1", false);
    row("unknown gateway", "lab", "nobody", "sensor-1", false);
    row("unknown device", "lab", "gw", "nobody", false);
    row("other application", "plant", "gw", "sensor-1", false);
    row("unknown application", "nowhere", "gw", "sensor-1", false);
}

void TestDeviceRegistry::gatewayFor()
{
    QFETCH(QString, application);
    QFETCH(QString, gateway);
    QFETCH(QString, device);
    QFETCH(bool, allowed);
    const DeviceRegistry registry(m_config);
    QCOMPARE(registry.isGatewayFor(application, gateway, device), allowed);
}

void TestDeviceRegistry::verify_data()
{
    QTest::addColumn<QString>("application");
    QTest::addColumn<QString>("device");
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<VerifyResult>("expected");
    const auto row = [](const char *name, const char *app, const char *device, const char *password,
                        VerifyResult expected) {
        QTest::newRow(name) << QString::fromUtf8(app) << QString::fromUtf8(device) << QByteArray(password)
                            << expected;
    };
    row("right password", "lab", "sensor-1", "s3cret", VerifyResult::Ok);
    row("wrong password", "lab", "sensor-1", "s3cret!", VerifyResult::BadPassword);
    row("empty password", "lab", "sensor-1", "", VerifyResult::BadPassword);
    row("another device's password", "lab", "gw", "s3cret", VerifyResult::BadPassword);
    row("same name, other application", "plant", "sensor-1", "s3cret", VerifyResult::BadPassword);
    row("other application's own password", "plant", "sensor-1", "gw-pass", VerifyResult::Ok);
    row("disabled, right password", "lab", "old", "s3cret", VerifyResult::Disabled);
    row("disabled, wrong password", "lab", "old", "nope", VerifyResult::BadPassword);
    row("no password set", "lab", "no-password", "", VerifyResult::NoPasswordSet);
    row("no password set, any password", "lab", "no-password", "s3cret", VerifyResult::NoPasswordSet);
    row("unknown device", "lab", "nobody", "s3cret", VerifyResult::UnknownDevice);
    row("unknown application", "nowhere", "sensor-1", "s3cret", VerifyResult::UnknownApplication);
    row("application without devices", "empty", "sensor-1", "s3cret", VerifyResult::UnknownDevice);
}

void TestDeviceRegistry::verify()
{
    QFETCH(QString, application);
    QFETCH(QString, device);
    QFETCH(QByteArray, password);
    QFETCH(VerifyResult, expected);
    const DeviceRegistry registry(m_config);
    QObject context;
    Outcome outcome;
    registry.verifyPassword(application, device, password, &context, outcome.callback());
    QTRY_VERIFY_WITH_TIMEOUT(outcome.result.has_value(), 10000);
    QCOMPARE(*outcome.result, expected);
    QCOMPARE(outcome.calls, 1);
}

void TestDeviceRegistry::resultNames()
{
    QCOMPARE(verifyResultName(VerifyResult::Ok), QLatin1String("ok"));
    QCOMPARE(verifyResultName(VerifyResult::UnknownApplication), QLatin1String("unknown application"));
    QCOMPARE(verifyResultName(VerifyResult::UnknownDevice), QLatin1String("unknown device"));
    QCOMPARE(verifyResultName(VerifyResult::Disabled), QLatin1String("device disabled"));
    QCOMPARE(verifyResultName(VerifyResult::NoPasswordSet), QLatin1String("no password set"));
    QCOMPARE(verifyResultName(VerifyResult::BadPassword), QLatin1String("bad password"));
}

void TestDeviceRegistry::deliveredOnTheLoopNeverSynchronously()
{
    const DeviceRegistry registry(m_config);
    QObject context;
    Outcome outcome;
    registry.verifyPassword(QStringLiteral("lab"), QStringLiteral("sensor-1"), QByteArrayLiteral("s3cret"),
                            &context, outcome.callback());
    // Even the cheapest answer arrives later, from the loop.
    Outcome unknown;
    registry.verifyPassword(QStringLiteral("nowhere"), QStringLiteral("x"), QByteArray(), &context,
                            unknown.callback());
    QCOMPARE(outcome.calls, 0);
    QCOMPARE(unknown.calls, 0);
    // The check runs on the pool; its result waits for the loop, however long that takes.
    QVERIFY(DeviceRegistry::verificationPool()->waitForDone(10000));
    QCOMPARE(outcome.calls, 0);
    QTRY_COMPARE(outcome.calls, 1);
    QTRY_COMPARE(unknown.calls, 1);
    QCOMPARE(outcome.thread, QThread::currentThread());
    QCOMPARE(*outcome.result, VerifyResult::Ok);
    QCOMPARE(*unknown.result, VerifyResult::UnknownApplication);
    QCOMPARE(context.children().size(), 0); // nothing left behind per check
}

void TestDeviceRegistry::droppedForContextDestroyedBeforeTheCheckRuns()
{
    const DeviceRegistry registry(m_config);
    Outcome outcome;
    auto *context = new QObject;
    registry.verifyPassword(QStringLiteral("lab"), QStringLiteral("sensor-1"), QByteArrayLiteral("s3cret"),
                            context, outcome.callback());
    delete context;
    QVERIFY(DeviceRegistry::verificationPool()->waitForDone(10000));
    QTest::qWait(100);
    QCOMPARE(outcome.calls, 0);
}

void TestDeviceRegistry::droppedForContextDestroyedBeforeDelivery()
{
    const DeviceRegistry registry(m_config);
    Outcome outcome;
    auto *context = new QObject;
    registry.verifyPassword(QStringLiteral("lab"), QStringLiteral("sensor-1"), QByteArrayLiteral("s3cret"),
                            context, outcome.callback());
    // The check has finished and its result is on its way to the loop.
    QVERIFY(DeviceRegistry::verificationPool()->waitForDone(10000));
    delete context;
    QTest::qWait(100);
    QCOMPARE(outcome.calls, 0);
}

void TestDeviceRegistry::nullContextOrCallbackIsIgnored()
{
    const DeviceRegistry registry(m_config);
    Outcome outcome;
    registry.verifyPassword(QStringLiteral("lab"), QStringLiteral("sensor-1"), QByteArrayLiteral("s3cret"),
                            nullptr, outcome.callback());
    QObject context;
    registry.verifyPassword(QStringLiteral("lab"), QStringLiteral("sensor-1"), QByteArrayLiteral("s3cret"),
                            &context, {});
    QVERIFY(DeviceRegistry::verificationPool()->waitForDone(10000));
    QTest::qWait(50);
    QCOMPARE(outcome.calls, 0);
}

void TestDeviceRegistry::requestFromAnotherThread()
{
    // A check asked for on a worker thread, for a context on this one, answers here.
    const auto registry = DeviceRegistry::create(m_config);
    QObject context;
    Outcome outcome;
    QThread *requester = QThread::create([&] {
        registry->verifyPassword(QStringLiteral("lab"), QStringLiteral("gw"), QByteArrayLiteral("gw-pass"),
                                 &context, outcome.callback());
    });
    requester->start();
    QVERIFY(requester->wait(10000));
    delete requester;
    QTRY_VERIFY_WITH_TIMEOUT(outcome.result.has_value(), 10000);
    QCOMPARE(*outcome.result, VerifyResult::Ok);
    QCOMPARE(outcome.thread, QThread::currentThread());
}

void TestDeviceRegistry::revokedByANewerRegistry()
{
    const DeviceRegistry before(m_config);
    QCOMPARE(before.revokedBy(before), QStringList());
    config::Config changed = m_config;
    config::ApplicationConfig &lab = changed.applications[0];
    lab.devices[0].passwordHash = m_gatewayHash; // sensor-1: a new password
    lab.devices[1].enabled = false;              // sensor-2: disabled
    lab.devices[3].enabled = true;               // old: enabled again (it could not log in before)
    lab.devices.removeAt(2);                     // gw: removed
    lab.devices.append(device("new", m_sensorHash));
    changed.applications.removeAt(1); // plant, with its sensor-1, gone
    const DeviceRegistry after(changed);
    QCOMPARE(before.revokedBy(after),
             (QStringList{QStringLiteral("gw@lab"), QStringLiteral("sensor-1@lab"),
                          QStringLiteral("sensor-1@plant"), QStringLiteral("sensor-2@lab")}));
    // The other way round: what could log in before and can't now (new could not before).
    QCOMPARE(after.revokedBy(before), (QStringList{QStringLiteral("new@lab"), QStringLiteral("old@lab"),
                                                   QStringLiteral("sensor-1@lab")}));
}

void TestDeviceRegistry::inFlightCheckSurvivesSwap()
{
    // A reload swaps the registry while a check runs: the check finishes against the
    // registry it started with, even though nothing holds that registry any more.
    std::shared_ptr<const DeviceRegistry> current = DeviceRegistry::create(m_config);
    QObject context;
    Outcome outcome;
    current->verifyPassword(QStringLiteral("lab"), QStringLiteral("sensor-1"), QByteArrayLiteral("s3cret"),
                            &context, outcome.callback());
    config::Config reloaded = m_config;
    reloaded.applications.first().devices.first().passwordHash = m_gatewayHash;
    current = DeviceRegistry::create(reloaded);
    QTRY_VERIFY_WITH_TIMEOUT(outcome.result.has_value(), 10000);
    QCOMPARE(*outcome.result, VerifyResult::Ok);
    // New checks see the new password.
    QCOMPARE(check(*current, "lab", "sensor-1", "s3cret"), VerifyResult::BadPassword);
    QCOMPARE(check(*current, "lab", "sensor-1", "gw-pass"), VerifyResult::Ok);
}

void TestDeviceRegistry::unknownDeviceTakesAboutAsLong()
{
    // Not a strict timing test: an unknown device must cost a real Argon2 verification
    // (at least 30% of a known device's), not answer at once.
    const DeviceRegistry registry(m_config);
    const auto timed = [&](const char *app, const char *device) {
        QElapsedTimer timer;
        timer.start();
        check(registry, app, device, QByteArrayLiteral("guess"));
        return timer.nsecsElapsed();
    };
    QList<qint64> known;
    QList<qint64> unknownDevice;
    QList<qint64> unknownApplication;
    QList<qint64> noPassword;
    for (int i = 0; i < 3; ++i) {
        known.append(timed("lab", "sensor-1"));
        unknownDevice.append(timed("lab", "nobody"));
        unknownApplication.append(timed("nowhere", "sensor-1"));
        noPassword.append(timed("lab", "no-password"));
    }
    const auto median = [](QList<qint64> values) {
        std::sort(values.begin(), values.end());
        return values.at(values.size() / 2);
    };
    const qint64 knownNs = median(known);
    qInfo("median check: known %.1f ms, unknown device %.1f ms, unknown application %.1f ms, no password "
          "%.1f ms",
          knownNs / 1e6, median(unknownDevice) / 1e6, median(unknownApplication) / 1e6,
          median(noPassword) / 1e6);
    QVERIFY2(median(unknownDevice) * 10 >= knownNs * 3,
             "an unknown device answers much faster than a known one");
    QVERIFY2(median(unknownApplication) * 10 >= knownNs * 3,
             "an unknown application answers much faster than a known one");
    QVERIFY2(median(noPassword) * 10 >= knownNs * 3, "a device without a password answers much faster");
}

QTEST_GUILESS_MAIN(TestDeviceRegistry)
#include "tst_deviceregistry.moc"
