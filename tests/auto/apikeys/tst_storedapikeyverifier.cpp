// StoredApiKeyVerifier: good keys, every kind of bad one, changes of the file picked up at
// the next check (a revoke counts at once), a broken file keeping the keys read before,
// checks off the event loop whatever the key, and no key text in any verdict or log line.
#include "auth/storedapikeyverifier.h"
#include "registry/deviceregistry.h"
#include "registry/passwordhasher.h"

#include <QCoreApplication>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QThreadPool>

#include <optional>

using namespace drover;
using namespace drover::auth;

namespace {

// Every log line of the test, to prove no key reaches the log.
QStringList g_log;
QtMessageHandler g_previous = nullptr;

void recordMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    g_log.append(message);
    if (g_previous)
        g_previous(type, context, message);
}

struct Outcome {
    std::optional<AuthVerdict> verdict;
    int calls = 0;
    QThread *thread = nullptr;
    std::function<void(const AuthVerdict &)> callback()
    {
        return [this](const AuthVerdict &v) {
            verdict = v;
            ++calls;
            thread = QThread::currentThread();
        };
    }
};

} // namespace

class TestStoredApiKeyVerifier : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void goodKey();
    void refusals_data();
    void refusals();
    void revokedAndExpired();
    void alwaysOffTheLoop_data();
    void alwaysOffTheLoop();
    void dummyHashCostsWhatAKeyCosts();
    void changesCountWithoutReload();
    void revocationIsAnnounced();
    void brokenFileKeepsTheKeys();
    void unreadableFromTheStartIsUnavailable();
    void missingFileMeansNoKeys();
    void contextDestroyedFirst();
    void noKeyInAnyLogLine();

private:
    AuthVerdict check(StoredApiKeyVerifier &verifier, const QString &user, const QByteArray &key);
    void write(const ApiKeyStore &store);
    QByteArray addKey(ApiKeyStore &store, const QString &user, const QDateTime &expires = QDateTime());

    std::optional<QTemporaryDir> m_dir;
    QString m_path;
    QList<QByteArray> m_keys; // every key made, for the log check
};

void TestStoredApiKeyVerifier::initTestCase()
{
    g_previous = qInstallMessageHandler(recordMessage);
}

void TestStoredApiKeyVerifier::cleanupTestCase()
{
    qInstallMessageHandler(g_previous);
}

void TestStoredApiKeyVerifier::init()
{
    m_dir.emplace();
    QVERIFY(m_dir->isValid());
    m_path = ApiKeyStore::filePath(m_dir->path());
}

AuthVerdict TestStoredApiKeyVerifier::check(StoredApiKeyVerifier &verifier, const QString &user,
                                            const QByteArray &key)
{
    QObject context;
    Outcome outcome;
    verifier.verify(user, key, &context, outcome.callback());
    if (!QTest::qWaitFor([&] { return outcome.calls > 0; }, 5000))
        qFatal("no verdict within 5 s");
    return *outcome.verdict;
}

void TestStoredApiKeyVerifier::write(const ApiKeyStore &store)
{
    QString error;
    if (!store.save(m_path, &error))
        qFatal("%s", qPrintable(error));
}

QByteArray TestStoredApiKeyVerifier::addKey(ApiKeyStore &store, const QString &user, const QDateTime &expires)
{
    QString error;
    const QByteArray key = store.create(user, expires, QString(), QDateTime::currentDateTimeUtc(), &error);
    m_keys.append(key);
    return key;
}

void TestStoredApiKeyVerifier::goodKey()
{
    ApiKeyStore store;
    const QByteArray key = addKey(store, QStringLiteral("alice"));
    // Whole seconds: the key file keeps times to the second.
    const QDateTime expires =
        QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch() + 86400, Qt::UTC);
    const QByteArray expiring = addKey(store, QStringLiteral("alice"), expires);
    write(store);
    StoredApiKeyVerifier verifier(m_path);
    QVERIFY(verifier.isLoaded());
    AuthVerdict verdict = check(verifier, QStringLiteral("alice"), key);
    QCOMPARE(verdict.status, AuthVerdict::Status::Accepted);
    QVERIFY(!verdict.identity.anonymous);
    QCOMPARE(verdict.identity.user, QStringLiteral("alice"));
    QVERIFY(!verdict.identity.isDevice());
    QVERIFY(!verdict.identity.expires.isValid());
    // A session must not outlive an expiring key.
    verdict = check(verifier, QStringLiteral("alice"), expiring);
    QCOMPARE(verdict.status, AuthVerdict::Status::Accepted);
    QCOMPARE(verdict.identity.expires, expires.toUTC());
}

void TestStoredApiKeyVerifier::refusals_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QByteArray>("key"); // "$alice" and "$bob" stand for their keys
    QTest::newRow("wrong secret") << QStringLiteral("alice") << QByteArray("$alice+x");
    QTest::newRow("another user's key") << QStringLiteral("bob") << QByteArray("$alice");
    QTest::newRow("user case matters") << QStringLiteral("Alice") << QByteArray("$alice");
    QTest::newRow("unknown id") << QStringLiteral("alice")
                                << QByteArray("drv_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    QTest::newRow("a password") << QStringLiteral("alice") << QByteArray("hunter2");
    QTest::newRow("empty") << QStringLiteral("alice") << QByteArray();
}

void TestStoredApiKeyVerifier::refusals()
{
    QFETCH(QString, user);
    QFETCH(QByteArray, key);
    ApiKeyStore store;
    const QByteArray alice = addKey(store, QStringLiteral("alice"));
    addKey(store, QStringLiteral("bob"));
    write(store);
    if (key.startsWith("$alice"))
        key = alice + key.mid(6);
    StoredApiKeyVerifier verifier(m_path);
    const AuthVerdict verdict = check(verifier, user, key);
    QCOMPARE(verdict.status, AuthVerdict::Status::BadCredentials);
    // One answer for all of them: it doesn't tell which ids exist or whose a key is.
    QCOMPARE(verdict.message, QStringLiteral("bad user name or API key"));
    QVERIFY(verdict.identity.anonymous);
}

void TestStoredApiKeyVerifier::revokedAndExpired()
{
    ApiKeyStore store;
    const QByteArray revoked = addKey(store, QStringLiteral("alice"));
    store.revoke(*ApiKeyStore::idOf(revoked), QDateTime::currentDateTimeUtc());
    ApiKey old;
    old.id = QStringLiteral("00000000000e");
    old.user = QStringLiteral("alice");
    const QByteArray expired = "drv_00000000000e_" + QByteArray(43, 'e');
    m_keys.append(expired);
    old.hash = registry::PasswordHasher::hashSecret(expired);
    old.created = QDateTime::currentDateTimeUtc().addDays(-2);
    old.expires = QDateTime::currentDateTimeUtc().addSecs(-1);
    QVERIFY(store.add(old));
    write(store);
    StoredApiKeyVerifier verifier(m_path);
    AuthVerdict verdict = check(verifier, QStringLiteral("alice"), revoked);
    QCOMPARE(verdict.status, AuthVerdict::Status::BadCredentials);
    QCOMPARE(verdict.message, QStringLiteral("API key revoked"));
    verdict = check(verifier, QStringLiteral("alice"), expired);
    QCOMPARE(verdict.status, AuthVerdict::Status::BadCredentials);
    QCOMPARE(verdict.message, QStringLiteral("API key expired"));
    // Only for the right secret: a wrong one gets the common answer.
    verdict = check(verifier, QStringLiteral("alice"), revoked + "x");
    QCOMPARE(verdict.message, QStringLiteral("bad user name or API key"));
    verdict = check(verifier, QStringLiteral("alice"), "drv_00000000000e_" + QByteArray(43, 'f'));
    QCOMPARE(verdict.message, QStringLiteral("bad user name or API key"));
}

void TestStoredApiKeyVerifier::alwaysOffTheLoop_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::newRow("good") << QByteArray("$good");
    QTest::newRow("unknown id") << QByteArray("drv_0123456789ab_AAAA");
    QTest::newRow("not a key") << QByteArray("password");
}

void TestStoredApiKeyVerifier::alwaysOffTheLoop()
{
    // Every path costs one hash check on the pool and answers later on the loop: none is
    // answered at once (which would tell an unknown id by its speed).
    QFETCH(QByteArray, key);
    ApiKeyStore store;
    const QByteArray good = addKey(store, QStringLiteral("alice"));
    write(store);
    if (key == "$good")
        key = good;
    StoredApiKeyVerifier verifier(m_path);
    QObject context;
    Outcome outcome;
    verifier.verify(QStringLiteral("alice"), key, &context, outcome.callback());
    QCOMPARE(outcome.calls, 0);
    QTRY_COMPARE(outcome.calls, 1);
    QCOMPARE(outcome.thread, QThread::currentThread());
    QTest::qWait(20);
    QCOMPARE(outcome.calls, 1);
}

void TestStoredApiKeyVerifier::dummyHashCostsWhatAKeyCosts()
{
    ApiKeyStore store;
    addKey(store, QStringLiteral("alice"));
    const QByteArray real = store.keys().first().hash;
    const QByteArray dummy = StoredApiKeyVerifier::dummyHash();
    // Same algorithm and parameters ($argon2id$v=19$m=..,t=..,p=..$): the same work.
    const auto parameters = [](const QByteArray &hash) { return hash.left(hash.indexOf('$', 15)); };
    QCOMPARE(parameters(dummy), parameters(real));
    QVERIFY(dummy != real);
    QCOMPARE(StoredApiKeyVerifier::dummyHash(), dummy); // made once
}

void TestStoredApiKeyVerifier::changesCountWithoutReload()
{
    ApiKeyStore store;
    const QByteArray first = addKey(store, QStringLiteral("alice"));
    write(store);
    StoredApiKeyVerifier verifier(m_path);
    QCOMPARE(check(verifier, QStringLiteral("alice"), first).status, AuthVerdict::Status::Accepted);
    // A key made after the start works at once...
    const QByteArray second = addKey(store, QStringLiteral("bob"));
    write(store);
    QCOMPARE(check(verifier, QStringLiteral("bob"), second).status, AuthVerdict::Status::Accepted);
    // ...and a revoke counts from the next check on.
    store.revoke(*ApiKeyStore::idOf(first), QDateTime::currentDateTimeUtc());
    write(store);
    QCOMPARE(check(verifier, QStringLiteral("alice"), first).message, QStringLiteral("API key revoked"));
    QCOMPARE(verifier.store()->keys().size(), 2);
}

void TestStoredApiKeyVerifier::revocationIsAnnounced()
{
    ApiKeyStore store;
    const QByteArray alices = addKey(store, QStringLiteral("alice"));
    const QByteArray bobs = addKey(store, QStringLiteral("bob"));
    const QByteArray carols = addKey(store, QStringLiteral("carol"));
    write(store);
    StoredApiKeyVerifier verifier(m_path);
    QSignalSpy revoked(&verifier, &StoredApiKeyVerifier::revoked);
    // The credential a session opened with the key carries, to be ended by.
    const AuthVerdict verdict = check(verifier, QStringLiteral("alice"), alices);
    QCOMPARE(verdict.identity.credential, QStringLiteral("API key ") + *ApiKeyStore::idOf(alices));
    // `droverd keys revoke` writes the file (by rename): the watcher reads it without any
    // check, and only the keys that were valid and are not any more are announced.
    const QString alice = *ApiKeyStore::idOf(alices);
    const QString bob = *ApiKeyStore::idOf(bobs);
    store.revoke(alice, QDateTime::currentDateTimeUtc());
    const QByteArray daves = addKey(store, QStringLiteral("dave"));
    write(store);
    QTRY_COMPARE_WITH_TIMEOUT(revoked.count(), 1, 5000);
    QCOMPARE(revoked.at(0).at(0).toStringList(), QStringList{StoredApiKeyVerifier::credentialOf(alice)});
    // A key that is gone from the file counts as revoked; one revoked before is not again.
    ApiKeyStore rewritten;
    const QByteArray erins = addKey(rewritten, QStringLiteral("erin"));
    Q_UNUSED(erins);
    write(rewritten); // none of alice's (revoked), bob's, carol's and dave's keys is in it
    QTRY_COMPARE_WITH_TIMEOUT(revoked.count(), 2, 5000);
    QStringList gone = revoked.at(1).at(0).toStringList();
    gone.sort();
    QStringList expected{StoredApiKeyVerifier::credentialOf(bob),
                         StoredApiKeyVerifier::credentialOf(*ApiKeyStore::idOf(carols)),
                         StoredApiKeyVerifier::credentialOf(*ApiKeyStore::idOf(daves))};
    expected.sort();
    QCOMPARE(gone, expected);
}

void TestStoredApiKeyVerifier::brokenFileKeepsTheKeys()
{
    ApiKeyStore store;
    const QByteArray key = addKey(store, QStringLiteral("alice"));
    write(store);
    StoredApiKeyVerifier verifier(m_path);
    QFile file(m_path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("{\"version\": 1, \"keys\": [");
    file.close();
    QString error;
    QVERIFY(!verifier.reload(&error));
    QVERIFY2(error.startsWith(m_path + QStringLiteral(":1:")), qPrintable(error));
    QVERIFY(error.contains(QLatin1String("not valid JSON")));
    QCOMPARE(check(verifier, QStringLiteral("alice"), key).status, AuthVerdict::Status::Accepted);
    QVERIFY(verifier.isLoaded());
    // Fixed, it is read again at the next check.
    ApiKeyStore other;
    const QByteArray replacement = addKey(other, QStringLiteral("carol"));
    write(other);
    QCOMPARE(check(verifier, QStringLiteral("carol"), replacement).status, AuthVerdict::Status::Accepted);
    QCOMPARE(check(verifier, QStringLiteral("alice"), key).status, AuthVerdict::Status::BadCredentials);
}

void TestStoredApiKeyVerifier::unreadableFromTheStartIsUnavailable()
{
    QFile file(m_path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("not json");
    file.close();
    StoredApiKeyVerifier verifier(m_path);
    QVERIFY(!verifier.isLoaded());
    const AuthVerdict verdict = check(verifier, QStringLiteral("alice"), "drv_0123456789ab_x");
    QCOMPARE(verdict.status, AuthVerdict::Status::Unavailable);
}

void TestStoredApiKeyVerifier::missingFileMeansNoKeys()
{
    StoredApiKeyVerifier verifier(m_path);
    QVERIFY(verifier.isLoaded());
    QVERIFY(verifier.store()->keys().isEmpty());
    QCOMPARE(check(verifier, QStringLiteral("alice"), "drv_0123456789ab_x").status,
             AuthVerdict::Status::BadCredentials);
    // The directory appears later (droverd keys create): no restart needed.
    ApiKeyStore store;
    const QByteArray key = addKey(store, QStringLiteral("alice"));
    m_path = ApiKeyStore::filePath(m_dir->path());
    write(store);
    QCOMPARE(check(verifier, QStringLiteral("alice"), key).status, AuthVerdict::Status::Accepted);
}

void TestStoredApiKeyVerifier::contextDestroyedFirst()
{
    ApiKeyStore store;
    const QByteArray key = addKey(store, QStringLiteral("alice"));
    write(store);
    StoredApiKeyVerifier verifier(m_path);
    Outcome outcome;
    {
        QObject context;
        verifier.verify(QStringLiteral("alice"), key, &context, outcome.callback());
    }
    QTest::qWait(100);
    registry::DeviceRegistry::verificationPool()->waitForDone(5000);
    QCoreApplication::processEvents();
    QCOMPARE(outcome.calls, 0);
}

void TestStoredApiKeyVerifier::noKeyInAnyLogLine()
{
    // Runs last: every key the tests made, whole or its secret part, in no log line and no
    // verdict message.
    QVERIFY(m_keys.size() > 5);
    for (const QByteArray &key : std::as_const(m_keys)) {
        const QString text = QString::fromLatin1(key);
        const QString secret = text.mid(17);
        for (const QString &line : std::as_const(g_log)) {
            QVERIFY2(!line.contains(text), qPrintable(line));
            QVERIFY2(secret.size() < 8 || !line.contains(secret), qPrintable(line));
        }
    }
    QVERIFY(!g_log.isEmpty()); // the checks did log (ids and users, refusals)
}

QTEST_GUILESS_MAIN(TestStoredApiKeyVerifier)
#include "tst_storedapikeyverifier.moc"
