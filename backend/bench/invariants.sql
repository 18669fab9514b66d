-- The data invariants of the referral system, as one query: one row per rule with the number of
-- rows that break it (0 = holds). Run after every benchmark and fault drill:
--   psql "$DATABASE_URL" -f backend/bench/invariants.sql      (or backend/bench/invariants.py)
-- :max_attempts is OTP_MAX_ATTEMPTS (psql -v max_attempts=5; invariants.py passes it).
WITH
users AS (SELECT * FROM users_user),
-- Walk up from every user that has a referrer; a walk that comes back to its start is a cycle.
-- The depth bound stops walks that enter a cycle not containing their start (that cycle's own
-- members are counted from their own starts).
walks AS (
    WITH RECURSIVE walk(start_id, current_id, depth) AS (
        SELECT id, referred_by_id, 1 FROM users WHERE referred_by_id IS NOT NULL
        UNION ALL
        SELECT w.start_id, u.referred_by_id, w.depth + 1
        FROM walk w JOIN users u ON u.id = w.current_id
        WHERE w.current_id <> w.start_id AND u.referred_by_id IS NOT NULL AND w.depth < 1000
    )
    SELECT * FROM walk
),
real_counts AS (
    SELECT referred_by_id AS id, count(*) AS n FROM users WHERE referred_by_id IS NOT NULL GROUP BY referred_by_id
)
SELECT 1 AS n, 'one referrer per user (referred_by is one column; no user row twice)' AS rule,
       (SELECT count(*) FROM (SELECT id FROM users GROUP BY id HAVING count(*) > 1) d) AS violations
UNION ALL
SELECT 2, 'every referrer exists',
       (SELECT count(*) FROM users u WHERE u.referred_by_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM users r WHERE r.id = u.referred_by_id))
UNION ALL
SELECT 3, 'no self-referral', (SELECT count(*) FROM users WHERE referred_by_id = id)
UNION ALL
SELECT 4, 'no referral cycles (recursive walk up every chain)',
       (SELECT count(DISTINCT start_id) FROM walks WHERE current_id = start_id)
UNION ALL
SELECT 5, 'unique phones',
       (SELECT count(*) FROM (SELECT phone FROM users GROUP BY phone HAVING count(*) > 1) d)
UNION ALL
SELECT 6, 'unique invite codes',
       (SELECT count(*) FROM (SELECT invite_code FROM users GROUP BY invite_code HAVING count(*) > 1) d)
UNION ALL
SELECT 7, 'no half-created users: E.164 phone and a well-formed invite code',
       (SELECT count(*) FROM users WHERE phone IS NULL OR phone !~ '^\+[1-9][0-9]{6,14}$'
          OR invite_code IS NULL OR invite_code !~ '^[0123456789ABCDEFGHJKMNPQRSTVWXYZ]{6}$')
UNION ALL
SELECT 8, 'referred_by and activated_at set together',
       (SELECT count(*) FROM users WHERE (referred_by_id IS NULL) <> (activated_at IS NULL))
UNION ALL
SELECT 9, 'referrals_count equals the real count',
       (SELECT count(*) FROM users u LEFT JOIN real_counts r ON r.id = u.id
          WHERE u.referrals_count <> coalesce(r.n, 0))
UNION ALL
SELECT 10, 'at most one live sign-in code per phone',
       (SELECT count(*) FROM (SELECT phone FROM authentication_otpcode WHERE is_active
          GROUP BY phone HAVING count(*) > 1) d)
UNION ALL
SELECT 11, 'no code checked more than OTP_MAX_ATTEMPTS times',
       (SELECT count(*) FROM authentication_otpcode WHERE attempts > :max_attempts)
UNION ALL
SELECT 12, 'a used code is dead (used_at set => not live)',
       (SELECT count(*) FROM authentication_otpcode WHERE used_at IS NOT NULL AND is_active)
ORDER BY n;
