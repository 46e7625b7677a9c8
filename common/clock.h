/* The monotonic clock, in milliseconds: timeouts, touch notices and rate
 * limits, from any thread (CLOCK_MONOTONIC, the clock libuv's uv_hrtime
 * reads). */
#ifndef TA_COMMON_CLOCK_H
#define TA_COMMON_CLOCK_H

long long ta_now_ms(void);

#endif
