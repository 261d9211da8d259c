-- Pseudonymous child keys (data contract, section 2): the lower-case hex HMAC-SHA256 of
-- la_code || ':' || id (id trimmed, upper-cased, a trailing .0 dropped).
--
-- The key lives here and nowhere else: not in code, compiled SQL, dbt artefacts or logs. dbt
-- writes `keys.child_key(la_code, child_id)` (macro child_key) and PostgreSQL does the rest. The
-- embedded PostgreSQL has no pgcrypto, so the HMAC is built from the core sha256(bytea), RFC 2104:
--     HMAC(K, m) = H((K' xor opad) || H((K' xor ipad) || m))
-- with K' the key zero-padded to SHA-256's 64-byte block (hashed first if longer). Only the two
-- padded keys are stored, in one row that the transforming role alone may read.
--
-- The key is made here from PostgreSQL's strong random source (gen_random_uuid, core since 13),
-- unless CSC_PSEUDONYM_KEY is set, in which case csc_warehouse.warehouse.migrate() installs that
-- one through keys.install_key (keep it set, or the keys change when the variable goes).

create schema if not exists keys;
revoke all on schema keys from public;
grant usage on schema keys to csc_transformer;

create table keys.hmac_key (
    only_row     boolean primary key default true check (only_row),
    inner_pad    bytea not null check (length(inner_pad) = 64),
    outer_pad    bytea not null check (length(outer_pad) = 64),
    installed_at timestamptz not null default now()
);
comment on table keys.hmac_key is
    'The HMAC-SHA256 key of the pseudonymous child keys, as its padded inner (key xor 0x36) and outer '
    '(key xor 0x5c) 64-byte blocks. One row. Read only through keys.child_key; never export it.';
revoke all on keys.hmac_key from public;
grant select on keys.hmac_key to csc_transformer;

-- Install a key: returns true when it differs from the one installed (every child key changes).
create function keys.install_key(secret bytea) returns boolean
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp as $$
declare
    block bytea;
    new_inner bytea;
    new_outer bytea;
    previous_inner bytea;
begin
    if secret is null or length(secret) < 16 then
        raise exception 'a pseudonym key needs at least 16 bytes';
    end if;
    block := case when length(secret) > 64 then sha256(secret) else secret end;
    block := block || decode(repeat('00', 64 - length(block)), 'hex');
    new_inner := block;
    new_outer := block;
    for i in 0 .. 63 loop
        new_inner := set_byte(new_inner, i, get_byte(block, i) # 54);  -- 0x36
        new_outer := set_byte(new_outer, i, get_byte(block, i) # 92);  -- 0x5c
    end loop;
    select inner_pad into previous_inner from keys.hmac_key;
    if previous_inner is not distinct from new_inner then
        return false;
    end if;
    insert into keys.hmac_key (inner_pad, outer_pad) values (new_inner, new_outer)
    on conflict (only_row) do update
        set inner_pad = excluded.inner_pad, outer_pad = excluded.outer_pad, installed_at = now();
    return true;
end
$$;
revoke all on function keys.install_key(bytea) from public;

-- The child key: the contract's normalisation of the id, then HMAC-SHA256 in lower-case hex.
create function keys.child_key(la_code text, child_id text) returns text
language sql stable strict parallel safe security definer set search_path = pg_catalog, pg_temp as $$
    select encode(
        sha256(hmac_key.outer_pad || sha256(hmac_key.inner_pad || convert_to(
            btrim(la_code) || ':' || regexp_replace(upper(btrim(child_id)), '\.0$', ''), 'UTF8'))),
        'hex')
    from keys.hmac_key
$$;
revoke all on function keys.child_key(text, text) from public;
grant execute on function keys.child_key(text, text) to csc_transformer;

-- A key of 32 random bytes (244 random bits), made inside PostgreSQL and never shown.
select keys.install_key(
    decode(replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''), 'hex')
);
