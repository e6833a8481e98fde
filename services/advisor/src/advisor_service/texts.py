"""The offline coach's phrase book: every sentence it can write, in English and Korean.

Placeholders are filled by `offline`. Korean particles that depend on a filled-in word are written as
"[consonant form/vowel form]" and resolved by `language.particles`; English nouns that follow a number are
filled in by `language.count`, so "1 training day" and "2 training days" both read right.
"""

from __future__ import annotations

from .domain import SportFamily

Phrase = dict[str, str]

PHRASES: dict[str, Phrase] = {
    # --- summary -----------------------------------------------------------------------------------------
    "intro_distance": {
        "en": "{sport} of {distance} in {duration}{speed}.",
        "ko": "{sport} {distance}, {duration}{speed}.",
    },
    "intro_duration": {"en": "{sport} of {duration}.", "ko": "{sport} {duration}."},
    "intro_session": {"en": "{sport} session of {duration}.", "ko": "{sport} {duration}."},
    "intro_bare": {"en": "{sport} recorded.", "ko": "{sport} 기록이에요."},
    "speed": {"en": " at {value}", "ko": " (평균 {value})"},
    "intensity": {
        "en": "Intensity was {level} (judged from {basis}){hr}.",
        "ko": "운동 강도는 '{level}' 수준이었어요({basis} 기준{hr}).",
    },
    "intensity_hr": {"en": ", average heart rate {hr} bpm", "ko": ", 평균 심박 {hr} bpm"},
    "dives_summary": {
        "en": "{sport} session of {duration}: {dives}, deepest {depth} m, {under} under water in all.",
        "ko": "{sport} {duration}: {dives}회 잠수, 최대 수심 {depth} m, 총 잠수 시간 {under}.",
    },
    "scuba_summary": {
        "en": "{sport} of {under} to {depth} m{average}.",
        "ko": "{sport} {under}, 최대 수심 {depth} m{average}.",
    },
    "scuba_average": {"en": " (average depth {depth} m)", "ko": "(평균 수심 {depth} m)"},
    "first_activity": {
        "en": "This is your first activity on FitCoach: the fitness and fatigue model needs about 6 weeks of "
        "training before it means anything, so for now each session is judged on its own.",
        "ko": "FitCoach에 올린 첫 운동이에요. 체력·피로 모델은 6주 정도의 훈련 기록이 쌓여야 의미가 있어서, "
        "당분간은 각 운동을 그 자체로 평가해요.",
    },
    "baseline_building": {
        "en": "Your baseline is still being built ({active} since your first activity {since} ago): until "
        "about 6 weeks of training are on record, each session is judged on its own.",
        "ko": "아직 기준을 쌓는 중이에요(첫 운동 후 {since}일 동안 {active}일 훈련). 6주 정도의 기록이 쌓일 "
        "때까지는 각 운동을 그 자체로 평가해요.",
    },
    "form": {
        "en": "After it: CTL {ctl}, TSB {tsb} ({form}).",
        "ko": "운동 후 CTL {ctl}, TSB {tsb}[으로/로] {form}[이에요/예요].",
    },
    "returning": {
        "en": "Your first session in {gap} days: welcome back. Your fitness (CTL) is {ctl} now{drop}.",
        "ko": "{gap}일 만의 운동이에요. 다시 오신 걸 환영해요! 지금 체력(CTL)은 {ctl}[이에요/예요]{drop}.",
    },
    "returning_drop": {"en": ", {drop} lower than 4 weeks ago", "ko": "(4주 전보다 {drop} 낮아요)"},
    # --- went well ---------------------------------------------------------------------------------------
    "decoupling_good": {
        "en": "Steady aerobic engine: heart rate drifted only {dec}% against your output.",
        "ko": "유산소 지구력이 안정적이에요: 출력 대비 심박 드리프트가 {dec}%에 그쳤어요.",
    },
    "easy_disciplined": {
        "en": "You kept an easy day easy: {share} of the time in zones 1–2.",
        "ko": "쉬운 날을 제대로 쉽게 보냈어요: 시간의 {share}를 존 1–2에서 보냈어요.",
    },
    "quality_when_fresh": {
        "en": "Hard work done in reasonable form (TSB {tsb}), when quality sessions pay off most.",
        "ko": "컨디션이 괜찮을 때(TSB {tsb}) 고강도 훈련을 해서 효과가 커요.",
    },
    "even_power": {
        "en": "Very even power (variability index {vi}): efficient pacing.",
        "ko": "파워가 매우 고르게 유지됐어요(VI {vi}): 효율적인 페이스 조절이에요.",
    },
    "long_done": {
        "en": "A long session of {duration} builds the endurance every other session rests on.",
        "ko": "{duration}의 장거리 훈련으로 모든 훈련의 바탕이 되는 지구력을 다졌어요.",
    },
    "steady_build": {
        "en": "Fitness is building steadily: CTL {ctl7} over the last 7 days.",
        "ko": "체력이 꾸준히 오르고 있어요: 최근 7일간 CTL {ctl7}.",
    },
    "consistent": {
        "en": "Consistent training: {days} of the last 14 days had a session.",
        "ko": "꾸준해요: 최근 14일 중 {days}일 훈련했어요.",
    },
    "climbing": {
        "en": "Plenty of climbing ({ascent} m, {climb} m per km): good strength work.",
        "ko": "오르막이 많았어요({ascent} m, km당 {climb} m): 근력에 좋은 자극이에요.",
    },
    "light_when_tired": {
        "en": "A light session while fatigue is high (TSB {tsb}): the right call.",
        "ko": "피로가 쌓였을 때(TSB {tsb}) 가볍게 운동한 건 좋은 선택이에요.",
    },
    "returned": {
        "en": "Back in training after {gap} days off: the hardest step is done.",
        "ko": "{gap}일을 쉰 뒤 다시 운동을 시작했어요: 가장 어려운 첫걸음을 뗐어요.",
    },
    "first_step": {
        "en": "A first session on record: this is where your baseline starts.",
        "ko": "첫 기록이에요: 여기서부터 기준이 쌓여요.",
    },
    "completed": {
        "en": "You got the session done and recorded it: consistency is what builds fitness.",
        "ko": "훈련을 마치고 기록까지 남겼어요: 꾸준함이 체력을 만들어요.",
    },
    "strength_done": {
        "en": "{duration} of strength training: stronger muscles and tendons make every other session safer.",
        "ko": "근력 운동 {duration}: 튼튼한 근육과 힘줄은 다른 모든 운동을 더 안전하게 해 줘요.",
    },
    "mobility_done": {
        "en": "{duration} of {activity}: mobility and calm breathing help you recover and move well.",
        "ko": "{activity} {duration}: 유연성과 차분한 호흡은 회복과 좋은 움직임에 도움이 돼요.",
    },
    "recovered_well": {
        "en": "Unhurried recovery: at least {interval} at the surface between dives, more than twice the "
        "average dive ({dive}).",
        "ko": "잠수 사이에 최소 {interval}씩 수면에서 쉬었어요: 평균 잠수 시간({dive})의 두 배가 넘는 여유 "
        "있는 회복이에요.",
    },
    "dives_logged": {
        "en": "{dives} to a maximum of {depth} m, each one logged with depth and time.",
        "ko": "최대 수심 {depth} m까지 {dives}회 잠수하고 수심과 시간을 모두 기록했어요.",
    },
    "scuba_logged": {
        "en": "Dive logged with depth and time: {under} under water, average depth {depth} m.",
        "ko": "수심과 시간이 기록된 다이빙이에요: 잠수 {under}, 평균 수심 {depth} m.",
    },
    # --- to improve --------------------------------------------------------------------------------------
    "decoupling_moderate": {
        "en": "Heart rate drifted {dec}% against output: pace the start more evenly and drink and fuel on "
        "longer sessions.",
        "ko": "출력 대비 심박이 {dec}% 올랐어요(드리프트): 초반 페이스를 더 고르게 하고, 긴 훈련에서는 "
        "수분과 에너지를 보충하세요.",
    },
    "decoupling_high": {
        "en": "Large heart-rate drift ({dec}%): at this duration the aerobic base is the limiter, so add "
        "more long, easy zone 2 work.",
        "ko": "심박 드리프트가 커요({dec}%): 이 시간대에서는 유산소 기반이 부족해요. 길고 편한 존 2 훈련을 "
        "늘리세요.",
    },
    "grey_zone": {
        "en": "{share} of the time in zone 3, the grey zone: make easy days easier and hard days harder.",
        "ko": "시간의 {share}가 존 3(애매한 강도)이었어요: 쉬운 날은 더 쉽게, 힘든 날은 더 확실하게 하세요.",
    },
    "deep_fatigue": {
        "en": "Form is very low (TSB {tsb}): fatigue is piling up faster than you absorb it.",
        "ko": "컨디션 지표(TSB {tsb})가 매우 낮아요: 피로가 회복보다 빠르게 쌓이고 있어요.",
    },
    "hard_on_fatigue": {
        "en": "A hard session on accumulated fatigue (TSB {tsb}) gives less benefit and more risk: "
        "schedule hard days when you are fresher.",
        "ko": "피로가 쌓인 상태(TSB {tsb})의 고강도 훈련은 효과는 적고 위험은 커요: 힘든 훈련은 컨디션이 "
        "좋을 때 하세요.",
    },
    "ramp_fast": {
        "en": "Fitness is ramping fast (CTL {ctl7} in 7 days); more than about 5–7 a week raises the risk "
        "of injury and illness.",
        "ko": "체력(CTL)이 7일 만에 {ctl7} 변했어요: 주당 5–7 이상 오르면 부상과 질병 위험이 커져요.",
    },
    "big_load": {
        "en": "This session's load ({load}) was {ratio}× your fitness (CTL {ctl}): plan a day or two of "
        "easy training.",
        "ko": "이번 훈련 부하({load})가 체력(CTL {ctl})의 {ratio}배였어요: 하루 이틀은 가볍게 훈련하세요.",
    },
    "new_big_session": {
        "en": "A big session (load {load}) while your baseline is still being built: keep the next day or two "
        "easy and add volume gradually.",
        "ko": "아직 기준을 쌓는 중에 큰 훈련(부하 {load})을 했어요: 하루 이틀은 가볍게 하고 훈련량은 천천히 "
        "늘리세요.",
    },
    "return_gradually": {
        "en": "Build back gradually: about 10% more each week, and no hard sessions until easy ones feel "
        "easy again.",
        "ko": "천천히 늘리세요: 매주 10% 정도씩 늘리고, 편한 운동이 다시 편하게 느껴질 때까지 고강도 훈련은 "
        "미루세요.",
    },
    "uneven_power": {
        "en": "Uneven power (variability index {vi}): surges cost more energy than steady riding, so "
        "smooth out the efforts.",
        "ko": "파워 변동이 커요(VI {vi}): 급가속은 고른 주행보다 에너지를 더 써요. 더 고르게 밟아 보세요.",
    },
    "inconsistent": {
        "en": "Only {days} in the last 14: regular shorter sessions build fitness faster than occasional "
        "big ones.",
        "ko": "최근 14일 중 훈련한 날이 {days}일뿐이에요: 가끔 하는 긴 훈련보다 짧더라도 규칙적인 훈련이 "
        "체력을 더 빨리 키워요.",
    },
    "detraining": {
        "en": "You are very fresh (TSB {tsb}): fitness fades without regular load, so it is time to build.",
        "ko": "충분히 쉬었어요(TSB {tsb}): 꾸준한 부하가 없으면 체력이 줄어요. 다시 훈련량을 늘릴 때예요.",
    },
    "swim_technique": {
        "en": "Swim pace {pace}: short technique sets (drills, 25–50 m repeats with full rest) pay off "
        "quickest.",
        "ko": "수영 페이스 {pace}: 드릴과 25–50 m 반복 같은 짧은 기술 훈련이 가장 빨리 효과를 내요.",
    },
    "no_hr": {
        "en": "No heart-rate data: wear a heart-rate sensor so intensity and drift can be judged.",
        "ko": "심박 데이터가 없어요: 심박계를 착용하면 강도와 드리프트를 판단할 수 있어요.",
    },
    "set_profile": {
        "en": "Set your maximum and threshold heart rate in your profile so zones and intensity are "
        "judged accurately.",
        "ko": "프로필에 최대 심박과 역치 심박을 설정하면 존과 강도를 더 정확히 판단할 수 있어요.",
    },
    "add_structure": {
        "en": "Give each next session a clear purpose (easy, long or hard) so each one does its job.",
        "ko": "다음 훈련마다 목적(회복, 장거리, 고강도)을 분명히 정해 보세요.",
    },
    "build_routine": {
        "en": "Aim for 3–4 sessions a week: regular training builds fitness, and after about 6 weeks "
        "FitCoach can judge your form as well.",
        "ko": "일주일에 3–4번 꾸준히 운동해 보세요: 규칙적인 훈련이 체력을 만들고, 6주 정도 지나면 "
        "FitCoach가 컨디션도 판단할 수 있어요.",
    },
    "strength_progress": {
        "en": "Progress gradually: add weight or repetitions only when the last set of each exercise still "
        "feels controlled.",
        "ko": "점진적으로 늘리세요: 각 운동의 마지막 세트가 여전히 안정적일 때만 무게나 횟수를 늘리세요.",
    },
    "mobility_progress": {
        "en": "Hold each pose with slow, easy breathing and notice which side feels tighter: that is where "
        "to spend more time next session.",
        "ko": "각 자세를 느리고 편한 호흡으로 유지하고 더 뻣뻣한 쪽을 확인하세요: 다음에는 그쪽에 시간을 더 "
        "쓰세요.",
    },
    "short_surface": {
        "en": "Your shortest surface interval ({interval}) was less than twice the average dive ({dive}): "
        "rest at least twice as long as each dive, longer as depth grows.",
        "ko": "가장 짧은 수면 휴식({interval})이 평균 잠수 시간({dive})의 두 배에 못 미쳤어요: 잠수 시간의 두 "
        "배 이상 쉬고, 깊어질수록 더 오래 쉬세요.",
    },
    "freedive_safety": {
        "en": "Add depth gradually, a metre or two at a time, and always dive with a buddy watching from the "
        "surface.",
        "ko": "수심은 한 번에 1–2 m씩 천천히 늘리고, 항상 수면에서 지켜보는 버디와 함께 잠수하세요.",
    },
    "scuba_ascent": {
        "en": "Keep ascents slow and finish every dive with a 3-minute safety stop at 5 m.",
        "ko": "상승은 천천히 하고, 매 다이빙을 수심 5 m에서 3분 안전 정지로 마무리하세요.",
    },
    "no_depth": {
        "en": "No depth was recorded: with depth data the dives, depths and surface intervals can be judged.",
        "ko": "수심이 기록되지 않았어요: 수심 데이터가 있으면 잠수 횟수, 수심, 수면 휴식을 판단할 수 있어요.",
    },
    # --- next session ------------------------------------------------------------------------------------
    "next_rest": {
        "en": "Take a rest day or do {recovery} tomorrow; resume hard training once TSB is back above -10.",
        "ko": "내일은 쉬거나 {recovery} 하세요. TSB가 -10 이상으로 회복되면 다시 강도 훈련을 하세요.",
    },
    "next_easy": {
        "en": "{session}, keeping heart rate in zone 2{cap}.",
        "ko": "{session}, 심박은 존 2{cap}[으로/로] 유지하세요.",
    },
    "next_quality": {
        "en": "{session}. You are fresh enough for quality.",
        "ko": "{session}. 강도 훈련을 소화할 컨디션이에요.",
    },
    "next_absorb": {
        "en": "{session}, keeping heart rate in zone 2{cap}, to absorb the recent load before the "
        "next hard day.",
        "ko": "{session}, 심박은 존 2{cap}[으로/로] 유지하며 다음 강도 훈련 전에 최근 부하를 흡수하세요.",
    },
    "next_build": {
        "en": "{session}, keeping heart rate in zone 2{cap}. While your baseline is being built, mostly "
        "easy sessions are the safe way to build fitness.",
        "ko": "{session}, 심박은 존 2{cap}[으로/로] 유지하세요. 기준을 쌓는 동안에는 편한 훈련 "
        "위주가 안전하게 체력을 키우는 방법이에요.",
    },
    "next_return": {
        "en": "{recovery} in a day or two; keep your first 2–3 weeks back mostly easy, adding about 10% a week.",
        "ko": "하루 이틀 뒤 {recovery} 하세요. 복귀 후 2–3주는 편한 훈련 위주로, 매주 10% 정도씩만 늘리세요.",
    },
    "hr_cap": {"en": " (below {bpm} bpm)", "ko": "(심박 {bpm} bpm 이하)"},
    "next_strength": {
        "en": "give the same muscle groups about 48 hours; in between, an easy walk, ride or mobility "
        "session fits well.",
        "ko": "같은 근육은 48시간 정도 쉬게 하고, 그사이에는 가벼운 걷기, 자전거나 스트레칭이 좋아요.",
    },
    "next_mobility": {
        "en": "another 20–30 min of {activity} in a day or two; an easy walk fits well in between.",
        "ko": "하루 이틀 뒤 {activity} 20–30분, 그사이에는 가벼운 걷기가 좋아요.",
    },
    "next_freedive": {
        "en": "a relaxed session at the same target depth, or breath-hold and breathing practice on "
        "land; easy aerobic exercise also builds the base for longer dives.",
        "ko": "같은 목표 수심으로 편하게 한 번 더, 또는 물 밖에서 숨 참기와 호흡 연습을 하세요. "
        "가벼운 유산소 운동도 더 긴 잠수의 바탕이 돼요.",
    },
    "next_scuba": {
        "en": "leave the surface interval your dive computer asks for before the next dive, and "
        "18–24 hours before flying; an easy swim or walk is fine in between.",
        "ko": "다음 다이빙 전에는 다이브 컴퓨터가 요구하는 수면 휴식을, 비행 전에는 18–24시간을 두세요. "
        "그사이 가벼운 수영이나 걷기는 괜찮아요.",
    },
    "next_snorkel": {
        "en": "an easy 20–30 min swim builds the comfort and breath control that make snorkelling easier.",
        "ko": "20–30분 편한 수영으로 물에 대한 편안함과 호흡 조절을 키우세요.",
    },
}

# Names by sub-sport first, then sport: (English, Korean). English is capitalised: it starts a sentence.
SPORT_NAMES: dict[str, tuple[str, str]] = {
    "yoga": ("Yoga", "요가"),
    "pilates": ("Pilates", "필라테스"),
    "strength_training": ("Strength training", "근력 운동"),
    "flexibility_training": ("Mobility", "유연성 운동"),
    "breathing": ("Breathing practice", "호흡 운동"),
    "indoor_rowing": ("Indoor row", "실내 로잉"),
    "apnea_diving": ("Freediving", "프리다이빙"),
    "apnea_hunting": ("Spearfishing", "스피어피싱"),
    "running": ("Run", "러닝"),
    "walking": ("Walk", "걷기"),
    "hiking": ("Hike", "하이킹"),
    "mountaineering": ("Mountaineering", "등산"),
    "snowshoeing": ("Snowshoe hike", "스노슈잉"),
    "cycling": ("Ride", "라이딩"),
    "e_biking": ("E-bike ride", "전기자전거 라이딩"),
    "swimming": ("Swim", "수영"),
    "rowing": ("Row", "로잉"),
    "cross_country_skiing": ("Cross-country ski", "크로스컨트리 스키"),
    "paddling": ("Paddle", "패들링"),
    "kayaking": ("Kayak", "카약"),
    "stand_up_paddleboarding": ("Paddleboard", "패들보드"),
    "multisport": ("Multisport session", "멀티스포츠"),
    "triathlon": ("Triathlon", "트라이애슬론"),
    "meditation": ("Meditation", "명상"),
    "diving": ("Dive", "다이빙"),
    "snorkeling": ("Snorkelling", "스노클링"),
    "hiit": ("HIIT", "HIIT"),
}
OTHER_SPORT = ("Workout", "운동")
# Mobility activities as they read inside a sentence ("20–30 min of yoga").
ACTIVITY_NAMES: dict[str, tuple[str, str]] = {
    "yoga": ("yoga", "요가"),
    "pilates": ("pilates", "필라테스"),
    "flexibility_training": ("mobility work", "유연성 운동"),
    "breathing": ("breathing practice", "호흡 운동"),
    "meditation": ("meditation", "명상"),
}

LEVELS = {
    "easy": ("easy", "가벼움"),
    "moderate": ("moderate", "중간"),
    "hard": ("hard", "높음"),
    "very hard": ("very hard", "매우 높음"),
}
BASES = {
    "IF": ("intensity factor", "강도 계수(IF)"),
    "HR zones": ("heart-rate zones", "심박 존"),
    "default HR zones": ("heart-rate zones from default settings", "기본 설정의 심박 존"),
    "threshold HR": ("threshold heart rate", "역치 심박"),
    "max HR": ("maximum heart rate", "최대 심박"),
}
FORMS = {
    "very fatigued": ("very fatigued", "피로가 매우 큰 상태"),
    "productive": ("in a productive training block", "훈련 효과가 쌓이는 구간"),
    "balanced": ("balanced", "균형 잡힌 상태"),
    "fresh": ("fresh", "회복된 상태"),
    "very fresh": ("very fresh, fitness may be slipping", "오래 쉬어 체력이 줄 수 있는 상태"),
}

# Suggested sessions per endurance family (and "other"): (English, Korean).
RECOVERY = {
    SportFamily.RUN: ("an easy 20–30 min jog in zone 1", "존 1에서 20–30분 가볍게 조깅을"),
    SportFamily.WALK: ("an easy 20–30 min walk", "20–30분 가볍게 걷기를"),
    SportFamily.RIDE: ("an easy 30–45 min spin in zone 1", "존 1에서 30–45분 가볍게 페달링을"),
    SportFamily.SWIM: ("20–30 min of relaxed technique swimming", "20–30분 편한 기술 수영을"),
    SportFamily.ROW: ("20–30 min of easy rowing at a low stroke rate", "낮은 스트로크로 20–30분 가볍게 로잉을"),
    SportFamily.SKI: ("an easy 30–45 min ski or walk", "30–45분 가볍게 스키나 걷기를"),
    SportFamily.PADDLE: ("20–30 min of relaxed paddling", "20–30분 편하게 패들링을"),
    SportFamily.MULTISPORT: ("20–30 min of easy swimming or spinning", "20–30분 가볍게 수영이나 페달링을"),
    SportFamily.OTHER: ("20–30 min of light movement and mobility", "20–30분 가벼운 움직임과 스트레칭을"),
}  # fmt: skip
EASY = {
    SportFamily.RUN: ("a 40–50 min easy run", "40–50분 편한 러닝"),
    SportFamily.WALK: ("a 45–60 min brisk walk", "45–60분 빠르게 걷기"),
    SportFamily.RIDE: ("a 60–90 min endurance ride", "60–90분 지구력 라이딩"),
    SportFamily.SWIM: ("a 30–40 min aerobic swim (e.g. 4×400 m steady)", "30–40분 유산소 수영(예: 400 m × 4 꾸준히)"),
    SportFamily.ROW: ("a 40–50 min steady row", "40–50분 꾸준한 로잉"),
    SportFamily.SKI: ("a 60–90 min easy ski", "60–90분 편한 스키"),
    SportFamily.PADDLE: ("a 45–60 min steady paddle", "45–60분 꾸준한 패들링"),
    SportFamily.MULTISPORT: ("an easy 40–60 min ride or 30–40 min run", "40–60분 편한 라이딩이나 30–40분 편한 러닝"),
    SportFamily.OTHER: ("a 40 min easy aerobic session", "40분 편한 유산소 운동"),
}  # fmt: skip
QUALITY = {
    SportFamily.RUN: (
        "after a 15 min warm-up, 5×4 min in zone 4 with 3 min easy jogging between",
        "15분 워밍업 후 존 4로 4분 × 5회, 사이에 3분 조깅",
    ),
    SportFamily.WALK: (
        "a 45 min walk with 5×3 min uphill or fast and 2 min easy between",
        "45분 걷기 중 오르막이나 빠른 걸음 3분 × 5회, 사이에 2분 편하게",
    ),
    SportFamily.RIDE: (
        "after a 15 min warm-up, 3×10 min in zone 4 with 5 min easy between",
        "15분 워밍업 후 존 4로 10분 × 3회, 사이에 5분 가볍게",
    ),
    SportFamily.SWIM: (
        "after a 400 m warm-up, 8×100 m at threshold effort with 20 s rest",
        "400 m 워밍업 후 역치 강도로 100 m × 8회, 20초 휴식",
    ),
    SportFamily.ROW: (
        "after a 10 min warm-up, 4×8 min in zone 4 with 3 min easy between",
        "10분 워밍업 후 존 4로 8분 × 4회, 사이에 3분 가볍게",
    ),
    SportFamily.SKI: (
        "after a 15 min warm-up, 5×5 min in zone 4 on a gentle climb with 3 min easy between",
        "15분 워밍업 후 완만한 오르막에서 존 4로 5분 × 5회, 사이에 3분 가볍게",
    ),
    SportFamily.PADDLE: (
        "after a 10 min warm-up, 6×3 min hard with 2 min easy between",
        "10분 워밍업 후 3분 강하게 × 6회, 사이에 2분 가볍게",
    ),
    SportFamily.MULTISPORT: (
        "a brick: a 45 min ride with 3×8 min in zone 4, straight into a 15 min easy run",
        "브릭 훈련: 존 4로 8분 × 3회를 포함한 45분 라이딩 후 바로 15분 편한 러닝",
    ),
    SportFamily.OTHER: (
        "a 30 min session with 6×2 min hard and 2 min easy",
        "2분 강하게 + 2분 가볍게 × 6회를 포함한 30분 운동",
    ),
}
QUALITY_FTP = (
    "after a 15 min warm-up, 3×10 min at {lo}–{hi} W (90–95% of FTP) with 5 min easy between",
    "15분 워밍업 후 {lo}–{hi} W(FTP의 90–95%)로 10분 × 3회, 사이에 5분 가볍게",
)

# English nouns that follow a number: (one, many).
NOUNS = {
    "day": ("day", "days"),
    "training_day": ("training day", "training days"),
    "dive": ("dive", "dives"),
}
