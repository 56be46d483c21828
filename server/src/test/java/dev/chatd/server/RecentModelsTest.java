package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The models {@code /api/ps} lists: served within five minutes, bounded, the latest first. */
class RecentModelsTest {
    private Instant now = Instant.parse("2026-01-01T12:00:00Z");
    private final RecentModels recent = new RecentModels(new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    });

    @Test
    void aModelStaysListedFiveMinutesAfterItsLastUse() {
        recent.served("a");
        now = now.plus(Duration.ofMinutes(3));
        recent.served("b");
        recent.served("a");

        assertThat(recent.current()).extracting(RecentModels.Used::model).containsExactly("a", "b");
        assertThat(recent.current().getFirst().expiresAt()).isEqualTo(now.plus(Duration.ofMinutes(5)));

        now = now.plus(Duration.ofMinutes(5));
        assertThat(recent.current()).isEmpty();
    }

    @Test
    void manyNamesKeepOnlyTheMostRecentFew() {
        for (int i = 0; i < RecentModels.MAX + 100; i++) {
            recent.served("model-" + i);
        }

        assertThat(recent.current()).hasSize(RecentModels.MAX);
        assertThat(recent.current().getFirst().model()).isEqualTo("model-" + (RecentModels.MAX + 99));
        assertThat(recent.current().getLast().model()).isEqualTo("model-100");
    }
}
