-- The data invariants that the schema can't enforce, as one query: one row per rule with the number of
-- rows that break it (0 = holds). Run after every benchmark and fault drill:
--   psql "$DATABASE_URL" -v max_attempts=5 -f tools/bench/invariants.sql   (or tools/bench/invariants.py)
-- :max_attempts is OTP_MAX_ATTEMPTS (invariants.py passes it).
--
-- What PostgreSQL already refuses is not counted here, since no run could ever break it: one referrer per
-- user (one column), every referrer exists (foreign key), no self-referral (CHECK user_no_self_referral),
-- unique phones and invite codes (unique indexes), E.164 phones and well-formed codes (CHECK
-- user_phone_e164, user_invite_code_format), referrer and activation time set together (CHECK
-- user_referral_has_activation_time), one live code per phone (partial unique index
-- otp_one_active_code_per_phone). The rules below are kept by the services' locks and transactions alone.
WITH
-- Walk up from every user that has a referrer; a walk that comes back to its start is a cycle.
-- The depth bound stops walks that enter a cycle not containing their start (that cycle's own
-- members are counted from their own starts).
walks AS (
    WITH RECURSIVE walk(start_id, current_id, depth) AS (
        SELECT id, referred_by_id, 1 FROM users_user WHERE referred_by_id IS NOT NULL
        UNION ALL
        SELECT w.start_id, u.referred_by_id, w.depth + 1
        FROM walk w JOIN users_user u ON u.id = w.current_id
        WHERE w.current_id <> w.start_id AND u.referred_by_id IS NOT NULL AND w.depth < 1000
    )
    SELECT * FROM walk
),
real_counts AS (
    SELECT referred_by_id AS id, count(*) AS n FROM users_user
    WHERE referred_by_id IS NOT NULL GROUP BY referred_by_id
)
SELECT 1 AS n, 'no referral cycles (invite_code_activate locks the chain; recursive walk up every chain)' AS rule,
       (SELECT count(DISTINCT start_id) FROM walks WHERE current_id = start_id) AS violations
UNION ALL
SELECT 2, 'referrals_count equals the real count (incremented in the activation''s transaction)',
       (SELECT count(*) FROM users_user u LEFT JOIN real_counts r ON r.id = u.id
          WHERE u.referrals_count <> coalesce(r.n, 0))
UNION ALL
SELECT 3, 'no code checked more than OTP_MAX_ATTEMPTS times, with or without its challenge',
       (SELECT count(*) FROM authentication_otpcode
          WHERE attempts > :max_attempts OR open_attempts > :max_attempts)
UNION ALL
SELECT 4, 'a used code is dead (used_at set => not live)',
       (SELECT count(*) FROM authentication_otpcode WHERE used_at IS NOT NULL AND is_active)
ORDER BY n;
