// Imported first by firmware/main.ts, for its side effect only: libuv reads
// UV_THREADPOOL_SIZE once, when its pool starts (the first async fs, crypto or
// dns call in the process), so it must be set before anything else runs. The
// store's group commit, body reads and scrypt password checks all run on that
// pool, and its default of 4 threads was measured too few (store benchmark);
// 8 idle threads cost a few hundred KB. A value set in the environment wins.

process.env['UV_THREADPOOL_SIZE'] ??= '8';
