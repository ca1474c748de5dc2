// Rust types of the dexp policy `failures` version  (source hash b1fd21a35dbe43df9d9143b14466cdcb2d41e6b0b6752b3aa9c8dafc7e7c2196).
// Written by `dexpc types --lang rust`: do not edit. They write the policy's input layout and
// read its decisions directly (`Evaluator::evaluate_direct`); the runtime refuses them for a
// policy whose types differ (see `LAYOUT`). Needs the crates `dexp-runtime` and `serde`.

use dexp_runtime::typed::direct as dx;
use serde::{Deserialize, Serialize};

/// The fingerprint of the policy types these were generated for (`dexp_runtime::typed::direct::fingerprint`).
pub const LAYOUT: u64 = 0x6265718e17c36085;

/// The enum `Big`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Big {
    /// `v0`.
    #[serde(rename = "v0")]
    V0,
    /// `v1`.
    #[serde(rename = "v1")]
    V1,
    /// `v2`.
    #[serde(rename = "v2")]
    V2,
    /// `v3`.
    #[serde(rename = "v3")]
    V3,
    /// `v4`.
    #[serde(rename = "v4")]
    V4,
    /// `v5`.
    #[serde(rename = "v5")]
    V5,
    /// `v6`.
    #[serde(rename = "v6")]
    V6,
    /// `v7`.
    #[serde(rename = "v7")]
    V7,
    /// `v8`.
    #[serde(rename = "v8")]
    V8,
    /// `v9`.
    #[serde(rename = "v9")]
    V9,
    /// `v10`.
    #[serde(rename = "v10")]
    V10,
    /// `v11`.
    #[serde(rename = "v11")]
    V11,
    /// `v12`.
    #[serde(rename = "v12")]
    V12,
    /// `v13`.
    #[serde(rename = "v13")]
    V13,
    /// `v14`.
    #[serde(rename = "v14")]
    V14,
    /// `v15`.
    #[serde(rename = "v15")]
    V15,
    /// `v16`.
    #[serde(rename = "v16")]
    V16,
    /// `v17`.
    #[serde(rename = "v17")]
    V17,
    /// `v18`.
    #[serde(rename = "v18")]
    V18,
    /// `v19`.
    #[serde(rename = "v19")]
    V19,
    /// `v20`.
    #[serde(rename = "v20")]
    V20,
    /// `v21`.
    #[serde(rename = "v21")]
    V21,
    /// `v22`.
    #[serde(rename = "v22")]
    V22,
    /// `v23`.
    #[serde(rename = "v23")]
    V23,
    /// `v24`.
    #[serde(rename = "v24")]
    V24,
    /// `v25`.
    #[serde(rename = "v25")]
    V25,
    /// `v26`.
    #[serde(rename = "v26")]
    V26,
    /// `v27`.
    #[serde(rename = "v27")]
    V27,
    /// `v28`.
    #[serde(rename = "v28")]
    V28,
    /// `v29`.
    #[serde(rename = "v29")]
    V29,
    /// `v30`.
    #[serde(rename = "v30")]
    V30,
    /// `v31`.
    #[serde(rename = "v31")]
    V31,
    /// `v32`.
    #[serde(rename = "v32")]
    V32,
    /// `v33`.
    #[serde(rename = "v33")]
    V33,
    /// `v34`.
    #[serde(rename = "v34")]
    V34,
    /// `v35`.
    #[serde(rename = "v35")]
    V35,
    /// `v36`.
    #[serde(rename = "v36")]
    V36,
    /// `v37`.
    #[serde(rename = "v37")]
    V37,
    /// `v38`.
    #[serde(rename = "v38")]
    V38,
    /// `v39`.
    #[serde(rename = "v39")]
    V39,
    /// `v40`.
    #[serde(rename = "v40")]
    V40,
    /// `v41`.
    #[serde(rename = "v41")]
    V41,
    /// `v42`.
    #[serde(rename = "v42")]
    V42,
    /// `v43`.
    #[serde(rename = "v43")]
    V43,
    /// `v44`.
    #[serde(rename = "v44")]
    V44,
    /// `v45`.
    #[serde(rename = "v45")]
    V45,
    /// `v46`.
    #[serde(rename = "v46")]
    V46,
    /// `v47`.
    #[serde(rename = "v47")]
    V47,
    /// `v48`.
    #[serde(rename = "v48")]
    V48,
    /// `v49`.
    #[serde(rename = "v49")]
    V49,
    /// `v50`.
    #[serde(rename = "v50")]
    V50,
    /// `v51`.
    #[serde(rename = "v51")]
    V51,
    /// `v52`.
    #[serde(rename = "v52")]
    V52,
    /// `v53`.
    #[serde(rename = "v53")]
    V53,
    /// `v54`.
    #[serde(rename = "v54")]
    V54,
    /// `v55`.
    #[serde(rename = "v55")]
    V55,
    /// `v56`.
    #[serde(rename = "v56")]
    V56,
    /// `v57`.
    #[serde(rename = "v57")]
    V57,
    /// `v58`.
    #[serde(rename = "v58")]
    V58,
    /// `v59`.
    #[serde(rename = "v59")]
    V59,
    /// `v60`.
    #[serde(rename = "v60")]
    V60,
    /// `v61`.
    #[serde(rename = "v61")]
    V61,
    /// `v62`.
    #[serde(rename = "v62")]
    V62,
    /// `v63`.
    #[serde(rename = "v63")]
    V63,
    /// `v64`.
    #[serde(rename = "v64")]
    V64,
    /// `v65`.
    #[serde(rename = "v65")]
    V65,
    /// `v66`.
    #[serde(rename = "v66")]
    V66,
    /// `v67`.
    #[serde(rename = "v67")]
    V67,
    /// `v68`.
    #[serde(rename = "v68")]
    V68,
    /// `v69`.
    #[serde(rename = "v69")]
    V69,
    /// `v70`.
    #[serde(rename = "v70")]
    V70,
    /// `v71`.
    #[serde(rename = "v71")]
    V71,
    /// `v72`.
    #[serde(rename = "v72")]
    V72,
    /// `v73`.
    #[serde(rename = "v73")]
    V73,
    /// `v74`.
    #[serde(rename = "v74")]
    V74,
    /// `v75`.
    #[serde(rename = "v75")]
    V75,
    /// `v76`.
    #[serde(rename = "v76")]
    V76,
    /// `v77`.
    #[serde(rename = "v77")]
    V77,
    /// `v78`.
    #[serde(rename = "v78")]
    V78,
    /// `v79`.
    #[serde(rename = "v79")]
    V79,
    /// `v80`.
    #[serde(rename = "v80")]
    V80,
    /// `v81`.
    #[serde(rename = "v81")]
    V81,
    /// `v82`.
    #[serde(rename = "v82")]
    V82,
    /// `v83`.
    #[serde(rename = "v83")]
    V83,
    /// `v84`.
    #[serde(rename = "v84")]
    V84,
    /// `v85`.
    #[serde(rename = "v85")]
    V85,
    /// `v86`.
    #[serde(rename = "v86")]
    V86,
    /// `v87`.
    #[serde(rename = "v87")]
    V87,
    /// `v88`.
    #[serde(rename = "v88")]
    V88,
    /// `v89`.
    #[serde(rename = "v89")]
    V89,
    /// `v90`.
    #[serde(rename = "v90")]
    V90,
    /// `v91`.
    #[serde(rename = "v91")]
    V91,
    /// `v92`.
    #[serde(rename = "v92")]
    V92,
    /// `v93`.
    #[serde(rename = "v93")]
    V93,
    /// `v94`.
    #[serde(rename = "v94")]
    V94,
    /// `v95`.
    #[serde(rename = "v95")]
    V95,
    /// `v96`.
    #[serde(rename = "v96")]
    V96,
    /// `v97`.
    #[serde(rename = "v97")]
    V97,
    /// `v98`.
    #[serde(rename = "v98")]
    V98,
    /// `v99`.
    #[serde(rename = "v99")]
    V99,
    /// `v100`.
    #[serde(rename = "v100")]
    V100,
    /// `v101`.
    #[serde(rename = "v101")]
    V101,
    /// `v102`.
    #[serde(rename = "v102")]
    V102,
    /// `v103`.
    #[serde(rename = "v103")]
    V103,
    /// `v104`.
    #[serde(rename = "v104")]
    V104,
    /// `v105`.
    #[serde(rename = "v105")]
    V105,
    /// `v106`.
    #[serde(rename = "v106")]
    V106,
    /// `v107`.
    #[serde(rename = "v107")]
    V107,
    /// `v108`.
    #[serde(rename = "v108")]
    V108,
    /// `v109`.
    #[serde(rename = "v109")]
    V109,
    /// `v110`.
    #[serde(rename = "v110")]
    V110,
    /// `v111`.
    #[serde(rename = "v111")]
    V111,
    /// `v112`.
    #[serde(rename = "v112")]
    V112,
    /// `v113`.
    #[serde(rename = "v113")]
    V113,
    /// `v114`.
    #[serde(rename = "v114")]
    V114,
    /// `v115`.
    #[serde(rename = "v115")]
    V115,
    /// `v116`.
    #[serde(rename = "v116")]
    V116,
    /// `v117`.
    #[serde(rename = "v117")]
    V117,
    /// `v118`.
    #[serde(rename = "v118")]
    V118,
    /// `v119`.
    #[serde(rename = "v119")]
    V119,
    /// `v120`.
    #[serde(rename = "v120")]
    V120,
    /// `v121`.
    #[serde(rename = "v121")]
    V121,
    /// `v122`.
    #[serde(rename = "v122")]
    V122,
    /// `v123`.
    #[serde(rename = "v123")]
    V123,
    /// `v124`.
    #[serde(rename = "v124")]
    V124,
    /// `v125`.
    #[serde(rename = "v125")]
    V125,
    /// `v126`.
    #[serde(rename = "v126")]
    V126,
    /// `v127`.
    #[serde(rename = "v127")]
    V127,
    /// `v128`.
    #[serde(rename = "v128")]
    V128,
    /// `v129`.
    #[serde(rename = "v129")]
    V129,
    /// `v130`.
    #[serde(rename = "v130")]
    V130,
    /// `v131`.
    #[serde(rename = "v131")]
    V131,
    /// `v132`.
    #[serde(rename = "v132")]
    V132,
    /// `v133`.
    #[serde(rename = "v133")]
    V133,
    /// `v134`.
    #[serde(rename = "v134")]
    V134,
    /// `v135`.
    #[serde(rename = "v135")]
    V135,
    /// `v136`.
    #[serde(rename = "v136")]
    V136,
    /// `v137`.
    #[serde(rename = "v137")]
    V137,
    /// `v138`.
    #[serde(rename = "v138")]
    V138,
    /// `v139`.
    #[serde(rename = "v139")]
    V139,
    /// `v140`.
    #[serde(rename = "v140")]
    V140,
    /// `v141`.
    #[serde(rename = "v141")]
    V141,
    /// `v142`.
    #[serde(rename = "v142")]
    V142,
    /// `v143`.
    #[serde(rename = "v143")]
    V143,
    /// `v144`.
    #[serde(rename = "v144")]
    V144,
    /// `v145`.
    #[serde(rename = "v145")]
    V145,
    /// `v146`.
    #[serde(rename = "v146")]
    V146,
    /// `v147`.
    #[serde(rename = "v147")]
    V147,
    /// `v148`.
    #[serde(rename = "v148")]
    V148,
    /// `v149`.
    #[serde(rename = "v149")]
    V149,
    /// `v150`.
    #[serde(rename = "v150")]
    V150,
    /// `v151`.
    #[serde(rename = "v151")]
    V151,
    /// `v152`.
    #[serde(rename = "v152")]
    V152,
    /// `v153`.
    #[serde(rename = "v153")]
    V153,
    /// `v154`.
    #[serde(rename = "v154")]
    V154,
    /// `v155`.
    #[serde(rename = "v155")]
    V155,
    /// `v156`.
    #[serde(rename = "v156")]
    V156,
    /// `v157`.
    #[serde(rename = "v157")]
    V157,
    /// `v158`.
    #[serde(rename = "v158")]
    V158,
    /// `v159`.
    #[serde(rename = "v159")]
    V159,
    /// `v160`.
    #[serde(rename = "v160")]
    V160,
    /// `v161`.
    #[serde(rename = "v161")]
    V161,
    /// `v162`.
    #[serde(rename = "v162")]
    V162,
    /// `v163`.
    #[serde(rename = "v163")]
    V163,
    /// `v164`.
    #[serde(rename = "v164")]
    V164,
    /// `v165`.
    #[serde(rename = "v165")]
    V165,
    /// `v166`.
    #[serde(rename = "v166")]
    V166,
    /// `v167`.
    #[serde(rename = "v167")]
    V167,
    /// `v168`.
    #[serde(rename = "v168")]
    V168,
    /// `v169`.
    #[serde(rename = "v169")]
    V169,
    /// `v170`.
    #[serde(rename = "v170")]
    V170,
    /// `v171`.
    #[serde(rename = "v171")]
    V171,
    /// `v172`.
    #[serde(rename = "v172")]
    V172,
    /// `v173`.
    #[serde(rename = "v173")]
    V173,
    /// `v174`.
    #[serde(rename = "v174")]
    V174,
    /// `v175`.
    #[serde(rename = "v175")]
    V175,
    /// `v176`.
    #[serde(rename = "v176")]
    V176,
    /// `v177`.
    #[serde(rename = "v177")]
    V177,
    /// `v178`.
    #[serde(rename = "v178")]
    V178,
    /// `v179`.
    #[serde(rename = "v179")]
    V179,
    /// `v180`.
    #[serde(rename = "v180")]
    V180,
    /// `v181`.
    #[serde(rename = "v181")]
    V181,
    /// `v182`.
    #[serde(rename = "v182")]
    V182,
    /// `v183`.
    #[serde(rename = "v183")]
    V183,
    /// `v184`.
    #[serde(rename = "v184")]
    V184,
    /// `v185`.
    #[serde(rename = "v185")]
    V185,
    /// `v186`.
    #[serde(rename = "v186")]
    V186,
    /// `v187`.
    #[serde(rename = "v187")]
    V187,
    /// `v188`.
    #[serde(rename = "v188")]
    V188,
    /// `v189`.
    #[serde(rename = "v189")]
    V189,
    /// `v190`.
    #[serde(rename = "v190")]
    V190,
    /// `v191`.
    #[serde(rename = "v191")]
    V191,
    /// `v192`.
    #[serde(rename = "v192")]
    V192,
    /// `v193`.
    #[serde(rename = "v193")]
    V193,
    /// `v194`.
    #[serde(rename = "v194")]
    V194,
    /// `v195`.
    #[serde(rename = "v195")]
    V195,
    /// `v196`.
    #[serde(rename = "v196")]
    V196,
    /// `v197`.
    #[serde(rename = "v197")]
    V197,
    /// `v198`.
    #[serde(rename = "v198")]
    V198,
    /// `v199`.
    #[serde(rename = "v199")]
    V199,
    /// `v200`.
    #[serde(rename = "v200")]
    V200,
    /// `v201`.
    #[serde(rename = "v201")]
    V201,
    /// `v202`.
    #[serde(rename = "v202")]
    V202,
    /// `v203`.
    #[serde(rename = "v203")]
    V203,
    /// `v204`.
    #[serde(rename = "v204")]
    V204,
    /// `v205`.
    #[serde(rename = "v205")]
    V205,
    /// `v206`.
    #[serde(rename = "v206")]
    V206,
    /// `v207`.
    #[serde(rename = "v207")]
    V207,
    /// `v208`.
    #[serde(rename = "v208")]
    V208,
    /// `v209`.
    #[serde(rename = "v209")]
    V209,
    /// `v210`.
    #[serde(rename = "v210")]
    V210,
    /// `v211`.
    #[serde(rename = "v211")]
    V211,
    /// `v212`.
    #[serde(rename = "v212")]
    V212,
    /// `v213`.
    #[serde(rename = "v213")]
    V213,
    /// `v214`.
    #[serde(rename = "v214")]
    V214,
    /// `v215`.
    #[serde(rename = "v215")]
    V215,
    /// `v216`.
    #[serde(rename = "v216")]
    V216,
    /// `v217`.
    #[serde(rename = "v217")]
    V217,
    /// `v218`.
    #[serde(rename = "v218")]
    V218,
    /// `v219`.
    #[serde(rename = "v219")]
    V219,
    /// `v220`.
    #[serde(rename = "v220")]
    V220,
    /// `v221`.
    #[serde(rename = "v221")]
    V221,
    /// `v222`.
    #[serde(rename = "v222")]
    V222,
    /// `v223`.
    #[serde(rename = "v223")]
    V223,
    /// `v224`.
    #[serde(rename = "v224")]
    V224,
    /// `v225`.
    #[serde(rename = "v225")]
    V225,
    /// `v226`.
    #[serde(rename = "v226")]
    V226,
    /// `v227`.
    #[serde(rename = "v227")]
    V227,
    /// `v228`.
    #[serde(rename = "v228")]
    V228,
    /// `v229`.
    #[serde(rename = "v229")]
    V229,
    /// `v230`.
    #[serde(rename = "v230")]
    V230,
    /// `v231`.
    #[serde(rename = "v231")]
    V231,
    /// `v232`.
    #[serde(rename = "v232")]
    V232,
    /// `v233`.
    #[serde(rename = "v233")]
    V233,
    /// `v234`.
    #[serde(rename = "v234")]
    V234,
    /// `v235`.
    #[serde(rename = "v235")]
    V235,
    /// `v236`.
    #[serde(rename = "v236")]
    V236,
    /// `v237`.
    #[serde(rename = "v237")]
    V237,
    /// `v238`.
    #[serde(rename = "v238")]
    V238,
    /// `v239`.
    #[serde(rename = "v239")]
    V239,
    /// `v240`.
    #[serde(rename = "v240")]
    V240,
    /// `v241`.
    #[serde(rename = "v241")]
    V241,
    /// `v242`.
    #[serde(rename = "v242")]
    V242,
    /// `v243`.
    #[serde(rename = "v243")]
    V243,
    /// `v244`.
    #[serde(rename = "v244")]
    V244,
    /// `v245`.
    #[serde(rename = "v245")]
    V245,
    /// `v246`.
    #[serde(rename = "v246")]
    V246,
    /// `v247`.
    #[serde(rename = "v247")]
    V247,
    /// `v248`.
    #[serde(rename = "v248")]
    V248,
    /// `v249`.
    #[serde(rename = "v249")]
    V249,
    /// `v250`.
    #[serde(rename = "v250")]
    V250,
    /// `v251`.
    #[serde(rename = "v251")]
    V251,
    /// `v252`.
    #[serde(rename = "v252")]
    V252,
    /// `v253`.
    #[serde(rename = "v253")]
    V253,
    /// `v254`.
    #[serde(rename = "v254")]
    V254,
    /// `v255`.
    #[serde(rename = "v255")]
    V255,
    /// `v256`.
    #[serde(rename = "v256")]
    V256,
    /// `v257`.
    #[serde(rename = "v257")]
    V257,
    /// `v258`.
    #[serde(rename = "v258")]
    V258,
    /// `v259`.
    #[serde(rename = "v259")]
    V259,
    /// `v260`.
    #[serde(rename = "v260")]
    V260,
    /// `v261`.
    #[serde(rename = "v261")]
    V261,
    /// `v262`.
    #[serde(rename = "v262")]
    V262,
    /// `v263`.
    #[serde(rename = "v263")]
    V263,
    /// `v264`.
    #[serde(rename = "v264")]
    V264,
    /// `v265`.
    #[serde(rename = "v265")]
    V265,
    /// `v266`.
    #[serde(rename = "v266")]
    V266,
    /// `v267`.
    #[serde(rename = "v267")]
    V267,
    /// `v268`.
    #[serde(rename = "v268")]
    V268,
    /// `v269`.
    #[serde(rename = "v269")]
    V269,
    /// `v270`.
    #[serde(rename = "v270")]
    V270,
    /// `v271`.
    #[serde(rename = "v271")]
    V271,
    /// `v272`.
    #[serde(rename = "v272")]
    V272,
    /// `v273`.
    #[serde(rename = "v273")]
    V273,
    /// `v274`.
    #[serde(rename = "v274")]
    V274,
    /// `v275`.
    #[serde(rename = "v275")]
    V275,
    /// `v276`.
    #[serde(rename = "v276")]
    V276,
    /// `v277`.
    #[serde(rename = "v277")]
    V277,
    /// `v278`.
    #[serde(rename = "v278")]
    V278,
    /// `v279`.
    #[serde(rename = "v279")]
    V279,
    /// `v280`.
    #[serde(rename = "v280")]
    V280,
    /// `v281`.
    #[serde(rename = "v281")]
    V281,
    /// `v282`.
    #[serde(rename = "v282")]
    V282,
    /// `v283`.
    #[serde(rename = "v283")]
    V283,
    /// `v284`.
    #[serde(rename = "v284")]
    V284,
    /// `v285`.
    #[serde(rename = "v285")]
    V285,
    /// `v286`.
    #[serde(rename = "v286")]
    V286,
    /// `v287`.
    #[serde(rename = "v287")]
    V287,
    /// `v288`.
    #[serde(rename = "v288")]
    V288,
    /// `v289`.
    #[serde(rename = "v289")]
    V289,
    /// `v290`.
    #[serde(rename = "v290")]
    V290,
    /// `v291`.
    #[serde(rename = "v291")]
    V291,
    /// `v292`.
    #[serde(rename = "v292")]
    V292,
    /// `v293`.
    #[serde(rename = "v293")]
    V293,
    /// `v294`.
    #[serde(rename = "v294")]
    V294,
    /// `v295`.
    #[serde(rename = "v295")]
    V295,
    /// `v296`.
    #[serde(rename = "v296")]
    V296,
    /// `v297`.
    #[serde(rename = "v297")]
    V297,
    /// `v298`.
    #[serde(rename = "v298")]
    V298,
    /// `v299`.
    #[serde(rename = "v299")]
    V299,
}

impl Big {
    /// Every variant, in the policy's order.
    pub const ALL: [Big; 300] = [
        Big::V0,
        Big::V1,
        Big::V2,
        Big::V3,
        Big::V4,
        Big::V5,
        Big::V6,
        Big::V7,
        Big::V8,
        Big::V9,
        Big::V10,
        Big::V11,
        Big::V12,
        Big::V13,
        Big::V14,
        Big::V15,
        Big::V16,
        Big::V17,
        Big::V18,
        Big::V19,
        Big::V20,
        Big::V21,
        Big::V22,
        Big::V23,
        Big::V24,
        Big::V25,
        Big::V26,
        Big::V27,
        Big::V28,
        Big::V29,
        Big::V30,
        Big::V31,
        Big::V32,
        Big::V33,
        Big::V34,
        Big::V35,
        Big::V36,
        Big::V37,
        Big::V38,
        Big::V39,
        Big::V40,
        Big::V41,
        Big::V42,
        Big::V43,
        Big::V44,
        Big::V45,
        Big::V46,
        Big::V47,
        Big::V48,
        Big::V49,
        Big::V50,
        Big::V51,
        Big::V52,
        Big::V53,
        Big::V54,
        Big::V55,
        Big::V56,
        Big::V57,
        Big::V58,
        Big::V59,
        Big::V60,
        Big::V61,
        Big::V62,
        Big::V63,
        Big::V64,
        Big::V65,
        Big::V66,
        Big::V67,
        Big::V68,
        Big::V69,
        Big::V70,
        Big::V71,
        Big::V72,
        Big::V73,
        Big::V74,
        Big::V75,
        Big::V76,
        Big::V77,
        Big::V78,
        Big::V79,
        Big::V80,
        Big::V81,
        Big::V82,
        Big::V83,
        Big::V84,
        Big::V85,
        Big::V86,
        Big::V87,
        Big::V88,
        Big::V89,
        Big::V90,
        Big::V91,
        Big::V92,
        Big::V93,
        Big::V94,
        Big::V95,
        Big::V96,
        Big::V97,
        Big::V98,
        Big::V99,
        Big::V100,
        Big::V101,
        Big::V102,
        Big::V103,
        Big::V104,
        Big::V105,
        Big::V106,
        Big::V107,
        Big::V108,
        Big::V109,
        Big::V110,
        Big::V111,
        Big::V112,
        Big::V113,
        Big::V114,
        Big::V115,
        Big::V116,
        Big::V117,
        Big::V118,
        Big::V119,
        Big::V120,
        Big::V121,
        Big::V122,
        Big::V123,
        Big::V124,
        Big::V125,
        Big::V126,
        Big::V127,
        Big::V128,
        Big::V129,
        Big::V130,
        Big::V131,
        Big::V132,
        Big::V133,
        Big::V134,
        Big::V135,
        Big::V136,
        Big::V137,
        Big::V138,
        Big::V139,
        Big::V140,
        Big::V141,
        Big::V142,
        Big::V143,
        Big::V144,
        Big::V145,
        Big::V146,
        Big::V147,
        Big::V148,
        Big::V149,
        Big::V150,
        Big::V151,
        Big::V152,
        Big::V153,
        Big::V154,
        Big::V155,
        Big::V156,
        Big::V157,
        Big::V158,
        Big::V159,
        Big::V160,
        Big::V161,
        Big::V162,
        Big::V163,
        Big::V164,
        Big::V165,
        Big::V166,
        Big::V167,
        Big::V168,
        Big::V169,
        Big::V170,
        Big::V171,
        Big::V172,
        Big::V173,
        Big::V174,
        Big::V175,
        Big::V176,
        Big::V177,
        Big::V178,
        Big::V179,
        Big::V180,
        Big::V181,
        Big::V182,
        Big::V183,
        Big::V184,
        Big::V185,
        Big::V186,
        Big::V187,
        Big::V188,
        Big::V189,
        Big::V190,
        Big::V191,
        Big::V192,
        Big::V193,
        Big::V194,
        Big::V195,
        Big::V196,
        Big::V197,
        Big::V198,
        Big::V199,
        Big::V200,
        Big::V201,
        Big::V202,
        Big::V203,
        Big::V204,
        Big::V205,
        Big::V206,
        Big::V207,
        Big::V208,
        Big::V209,
        Big::V210,
        Big::V211,
        Big::V212,
        Big::V213,
        Big::V214,
        Big::V215,
        Big::V216,
        Big::V217,
        Big::V218,
        Big::V219,
        Big::V220,
        Big::V221,
        Big::V222,
        Big::V223,
        Big::V224,
        Big::V225,
        Big::V226,
        Big::V227,
        Big::V228,
        Big::V229,
        Big::V230,
        Big::V231,
        Big::V232,
        Big::V233,
        Big::V234,
        Big::V235,
        Big::V236,
        Big::V237,
        Big::V238,
        Big::V239,
        Big::V240,
        Big::V241,
        Big::V242,
        Big::V243,
        Big::V244,
        Big::V245,
        Big::V246,
        Big::V247,
        Big::V248,
        Big::V249,
        Big::V250,
        Big::V251,
        Big::V252,
        Big::V253,
        Big::V254,
        Big::V255,
        Big::V256,
        Big::V257,
        Big::V258,
        Big::V259,
        Big::V260,
        Big::V261,
        Big::V262,
        Big::V263,
        Big::V264,
        Big::V265,
        Big::V266,
        Big::V267,
        Big::V268,
        Big::V269,
        Big::V270,
        Big::V271,
        Big::V272,
        Big::V273,
        Big::V274,
        Big::V275,
        Big::V276,
        Big::V277,
        Big::V278,
        Big::V279,
        Big::V280,
        Big::V281,
        Big::V282,
        Big::V283,
        Big::V284,
        Big::V285,
        Big::V286,
        Big::V287,
        Big::V288,
        Big::V289,
        Big::V290,
        Big::V291,
        Big::V292,
        Big::V293,
        Big::V294,
        Big::V295,
        Big::V296,
        Big::V297,
        Big::V298,
        Big::V299,
    ];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Big::V0 => "v0",
            Big::V1 => "v1",
            Big::V2 => "v2",
            Big::V3 => "v3",
            Big::V4 => "v4",
            Big::V5 => "v5",
            Big::V6 => "v6",
            Big::V7 => "v7",
            Big::V8 => "v8",
            Big::V9 => "v9",
            Big::V10 => "v10",
            Big::V11 => "v11",
            Big::V12 => "v12",
            Big::V13 => "v13",
            Big::V14 => "v14",
            Big::V15 => "v15",
            Big::V16 => "v16",
            Big::V17 => "v17",
            Big::V18 => "v18",
            Big::V19 => "v19",
            Big::V20 => "v20",
            Big::V21 => "v21",
            Big::V22 => "v22",
            Big::V23 => "v23",
            Big::V24 => "v24",
            Big::V25 => "v25",
            Big::V26 => "v26",
            Big::V27 => "v27",
            Big::V28 => "v28",
            Big::V29 => "v29",
            Big::V30 => "v30",
            Big::V31 => "v31",
            Big::V32 => "v32",
            Big::V33 => "v33",
            Big::V34 => "v34",
            Big::V35 => "v35",
            Big::V36 => "v36",
            Big::V37 => "v37",
            Big::V38 => "v38",
            Big::V39 => "v39",
            Big::V40 => "v40",
            Big::V41 => "v41",
            Big::V42 => "v42",
            Big::V43 => "v43",
            Big::V44 => "v44",
            Big::V45 => "v45",
            Big::V46 => "v46",
            Big::V47 => "v47",
            Big::V48 => "v48",
            Big::V49 => "v49",
            Big::V50 => "v50",
            Big::V51 => "v51",
            Big::V52 => "v52",
            Big::V53 => "v53",
            Big::V54 => "v54",
            Big::V55 => "v55",
            Big::V56 => "v56",
            Big::V57 => "v57",
            Big::V58 => "v58",
            Big::V59 => "v59",
            Big::V60 => "v60",
            Big::V61 => "v61",
            Big::V62 => "v62",
            Big::V63 => "v63",
            Big::V64 => "v64",
            Big::V65 => "v65",
            Big::V66 => "v66",
            Big::V67 => "v67",
            Big::V68 => "v68",
            Big::V69 => "v69",
            Big::V70 => "v70",
            Big::V71 => "v71",
            Big::V72 => "v72",
            Big::V73 => "v73",
            Big::V74 => "v74",
            Big::V75 => "v75",
            Big::V76 => "v76",
            Big::V77 => "v77",
            Big::V78 => "v78",
            Big::V79 => "v79",
            Big::V80 => "v80",
            Big::V81 => "v81",
            Big::V82 => "v82",
            Big::V83 => "v83",
            Big::V84 => "v84",
            Big::V85 => "v85",
            Big::V86 => "v86",
            Big::V87 => "v87",
            Big::V88 => "v88",
            Big::V89 => "v89",
            Big::V90 => "v90",
            Big::V91 => "v91",
            Big::V92 => "v92",
            Big::V93 => "v93",
            Big::V94 => "v94",
            Big::V95 => "v95",
            Big::V96 => "v96",
            Big::V97 => "v97",
            Big::V98 => "v98",
            Big::V99 => "v99",
            Big::V100 => "v100",
            Big::V101 => "v101",
            Big::V102 => "v102",
            Big::V103 => "v103",
            Big::V104 => "v104",
            Big::V105 => "v105",
            Big::V106 => "v106",
            Big::V107 => "v107",
            Big::V108 => "v108",
            Big::V109 => "v109",
            Big::V110 => "v110",
            Big::V111 => "v111",
            Big::V112 => "v112",
            Big::V113 => "v113",
            Big::V114 => "v114",
            Big::V115 => "v115",
            Big::V116 => "v116",
            Big::V117 => "v117",
            Big::V118 => "v118",
            Big::V119 => "v119",
            Big::V120 => "v120",
            Big::V121 => "v121",
            Big::V122 => "v122",
            Big::V123 => "v123",
            Big::V124 => "v124",
            Big::V125 => "v125",
            Big::V126 => "v126",
            Big::V127 => "v127",
            Big::V128 => "v128",
            Big::V129 => "v129",
            Big::V130 => "v130",
            Big::V131 => "v131",
            Big::V132 => "v132",
            Big::V133 => "v133",
            Big::V134 => "v134",
            Big::V135 => "v135",
            Big::V136 => "v136",
            Big::V137 => "v137",
            Big::V138 => "v138",
            Big::V139 => "v139",
            Big::V140 => "v140",
            Big::V141 => "v141",
            Big::V142 => "v142",
            Big::V143 => "v143",
            Big::V144 => "v144",
            Big::V145 => "v145",
            Big::V146 => "v146",
            Big::V147 => "v147",
            Big::V148 => "v148",
            Big::V149 => "v149",
            Big::V150 => "v150",
            Big::V151 => "v151",
            Big::V152 => "v152",
            Big::V153 => "v153",
            Big::V154 => "v154",
            Big::V155 => "v155",
            Big::V156 => "v156",
            Big::V157 => "v157",
            Big::V158 => "v158",
            Big::V159 => "v159",
            Big::V160 => "v160",
            Big::V161 => "v161",
            Big::V162 => "v162",
            Big::V163 => "v163",
            Big::V164 => "v164",
            Big::V165 => "v165",
            Big::V166 => "v166",
            Big::V167 => "v167",
            Big::V168 => "v168",
            Big::V169 => "v169",
            Big::V170 => "v170",
            Big::V171 => "v171",
            Big::V172 => "v172",
            Big::V173 => "v173",
            Big::V174 => "v174",
            Big::V175 => "v175",
            Big::V176 => "v176",
            Big::V177 => "v177",
            Big::V178 => "v178",
            Big::V179 => "v179",
            Big::V180 => "v180",
            Big::V181 => "v181",
            Big::V182 => "v182",
            Big::V183 => "v183",
            Big::V184 => "v184",
            Big::V185 => "v185",
            Big::V186 => "v186",
            Big::V187 => "v187",
            Big::V188 => "v188",
            Big::V189 => "v189",
            Big::V190 => "v190",
            Big::V191 => "v191",
            Big::V192 => "v192",
            Big::V193 => "v193",
            Big::V194 => "v194",
            Big::V195 => "v195",
            Big::V196 => "v196",
            Big::V197 => "v197",
            Big::V198 => "v198",
            Big::V199 => "v199",
            Big::V200 => "v200",
            Big::V201 => "v201",
            Big::V202 => "v202",
            Big::V203 => "v203",
            Big::V204 => "v204",
            Big::V205 => "v205",
            Big::V206 => "v206",
            Big::V207 => "v207",
            Big::V208 => "v208",
            Big::V209 => "v209",
            Big::V210 => "v210",
            Big::V211 => "v211",
            Big::V212 => "v212",
            Big::V213 => "v213",
            Big::V214 => "v214",
            Big::V215 => "v215",
            Big::V216 => "v216",
            Big::V217 => "v217",
            Big::V218 => "v218",
            Big::V219 => "v219",
            Big::V220 => "v220",
            Big::V221 => "v221",
            Big::V222 => "v222",
            Big::V223 => "v223",
            Big::V224 => "v224",
            Big::V225 => "v225",
            Big::V226 => "v226",
            Big::V227 => "v227",
            Big::V228 => "v228",
            Big::V229 => "v229",
            Big::V230 => "v230",
            Big::V231 => "v231",
            Big::V232 => "v232",
            Big::V233 => "v233",
            Big::V234 => "v234",
            Big::V235 => "v235",
            Big::V236 => "v236",
            Big::V237 => "v237",
            Big::V238 => "v238",
            Big::V239 => "v239",
            Big::V240 => "v240",
            Big::V241 => "v241",
            Big::V242 => "v242",
            Big::V243 => "v243",
            Big::V244 => "v244",
            Big::V245 => "v245",
            Big::V246 => "v246",
            Big::V247 => "v247",
            Big::V248 => "v248",
            Big::V249 => "v249",
            Big::V250 => "v250",
            Big::V251 => "v251",
            Big::V252 => "v252",
            Big::V253 => "v253",
            Big::V254 => "v254",
            Big::V255 => "v255",
            Big::V256 => "v256",
            Big::V257 => "v257",
            Big::V258 => "v258",
            Big::V259 => "v259",
            Big::V260 => "v260",
            Big::V261 => "v261",
            Big::V262 => "v262",
            Big::V263 => "v263",
            Big::V264 => "v264",
            Big::V265 => "v265",
            Big::V266 => "v266",
            Big::V267 => "v267",
            Big::V268 => "v268",
            Big::V269 => "v269",
            Big::V270 => "v270",
            Big::V271 => "v271",
            Big::V272 => "v272",
            Big::V273 => "v273",
            Big::V274 => "v274",
            Big::V275 => "v275",
            Big::V276 => "v276",
            Big::V277 => "v277",
            Big::V278 => "v278",
            Big::V279 => "v279",
            Big::V280 => "v280",
            Big::V281 => "v281",
            Big::V282 => "v282",
            Big::V283 => "v283",
            Big::V284 => "v284",
            Big::V285 => "v285",
            Big::V286 => "v286",
            Big::V287 => "v287",
            Big::V288 => "v288",
            Big::V289 => "v289",
            Big::V290 => "v290",
            Big::V291 => "v291",
            Big::V292 => "v292",
            Big::V293 => "v293",
            Big::V294 => "v294",
            Big::V295 => "v295",
            Big::V296 => "v296",
            Big::V297 => "v297",
            Big::V298 => "v298",
            Big::V299 => "v299",
        }
    }
}

/// The enum `Mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mode {
    /// `add`.
    #[serde(rename = "add")]
    Add,
    /// `sub`.
    #[serde(rename = "sub")]
    Sub,
    /// `mul`.
    #[serde(rename = "mul")]
    Mul,
    /// `div`.
    #[serde(rename = "div")]
    Div,
    /// `neg`.
    #[serde(rename = "neg")]
    Neg,
}

impl Mode {
    /// Every variant, in the policy's order.
    pub const ALL: [Mode; 5] = [Mode::Add, Mode::Sub, Mode::Mul, Mode::Div, Mode::Neg];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            Mode::Add => "add",
            Mode::Sub => "sub",
            Mode::Mul => "mul",
            Mode::Div => "div",
            Mode::Neg => "neg",
        }
    }
}

/// The codes of `limits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LimitsCode {
    /// `small_x`.
    #[serde(rename = "small_x")]
    SmallX,
    /// `product_fits`.
    #[serde(rename = "product_fits")]
    ProductFits,
    /// `step_dates`.
    #[serde(rename = "step_dates")]
    StepDates,
    /// `any_add`.
    #[serde(rename = "any_add")]
    AnyAdd,
}

impl LimitsCode {
    /// Every variant, in the policy's order.
    pub const ALL: [LimitsCode; 4] =
        [LimitsCode::SmallX, LimitsCode::ProductFits, LimitsCode::StepDates, LimitsCode::AnyAdd];

    /// The name in the policy.
    pub const fn name(self) -> &'static str {
        match self {
            LimitsCode::SmallX => "small_x",
            LimitsCode::ProductFits => "product_fits",
            LimitsCode::StepDates => "step_dates",
            LimitsCode::AnyAdd => "any_add",
        }
    }
}

/// The record `Pair`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    /// `a`.
    pub a: i64,
    /// `b`.
    pub b: i64,
}

/// The record `Step`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// `mode`.
    pub mode: Mode,
    /// `by`.
    pub by: i64,
    /// `big`.
    pub big: Big,
    /// `when`.
    pub when: dx::Date,
    /// `skip`.
    pub skip: bool,
}

/// The record `Input`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// `id`.
    pub id: String,
    /// `x`.
    pub x: i64,
    /// `y`.
    pub y: i64,
    /// `pair`.
    pub pair: Pair,
    /// `maybe_pair`.
    #[serde(default)]
    pub maybe_pair: Option<Pair>,
    /// `steps`.
    pub steps: Vec<Step>,
    /// `start`.
    pub start: dx::Date,
    /// `offset`.
    pub offset: i64,
    /// `gate`.
    pub gate: bool,
    /// `big`.
    pub big: Big,
    /// `bigs`.
    pub bigs: Vec<Big>,
    /// `maybe_big`.
    #[serde(default)]
    pub maybe_big: Option<Big>,
    /// `words`.
    pub words: Vec<String>,
}

/// The record `Result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Result2 {
    /// `mode`.
    pub mode: Mode,
    /// `value`.
    pub value: i64,
}

/// The record `Output`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// `id`.
    pub id: String,
    /// `quotient`.
    pub quotient: i64,
    /// `folded`.
    pub folded: i64,
    /// `results`.
    pub results: Vec<Result2>,
    /// `first`.
    pub first: Result2,
    /// `stepped`.
    #[serde(default)]
    pub stepped: Option<dx::Date>,
    /// `back`.
    pub back: dx::Date,
    /// `gated`.
    pub gated: i64,
    /// `big`.
    pub big: Big,
    /// `big_max`.
    pub big_max: Big,
    /// `big_in`.
    pub big_in: bool,
    /// `codes`.
    pub codes: Vec<LimitsCode>,
    /// `hot`.
    pub hot: bool,
    /// `words`.
    pub words: Vec<String>,
    /// `pair`.
    pub pair: Pair,
    /// `short`.
    pub short: bool,
}

/// The record the policy reads.
pub type PolicyInput = Input;

/// The decision the policy writes.
pub type PolicyDecision = Output;

impl dx::Input for Input {
    const LAYOUT: u64 = LAYOUT;
    fn write(&self, w: &mut dx::Writer<'_>) -> Result<(), dx::PathError> {
        write_input(self, w, 0)
    }
}

impl dx::Output for Output {
    const LAYOUT: u64 = LAYOUT;
    fn read(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Self, dx::DecodeError> {
        read_output(r, at)
    }
}

/// Writes a `Pair` at `at`.
#[allow(unused_variables)]
fn write_pair(v: &Pair, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.int(at, v.a);
    w.int(at + 8, v.b);
    Ok(())
}

/// Writes a `Step` at `at`.
#[allow(unused_variables)]
fn write_step(v: &Step, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.variant(at + 16, v.mode as u8);
    w.int(at, v.by);
    w.wide_variant(at + 8, v.big as u32);
    w.date(at + 12, v.when);
    w.bool(at + 17, v.skip);
    Ok(())
}

/// Writes a `Input` at `at`.
#[allow(unused_variables)]
fn write_input(v: &Input, w: &mut dx::Writer<'_>, at: usize) -> Result<(), dx::PathError> {
    w.string(at + 64, &v.id).map_err(|e| e.field("id"))?;
    w.int(at, v.x);
    w.int(at + 8, v.y);
    write_pair(&v.pair, w, at + 16).map_err(|e| e.field("pair"))?;
    if let Some(x0) = &v.maybe_pair {
        w.present(at + 32);
        write_pair(x0, w, at + 32 + 8).map_err(|e| e.field("maybe_pair"))?;
    }
    let base0 = w.list(at + 72, v.steps.len(), 24, 8).map_err(|e| e.field("steps"))?;
    for (i0, x0) in v.steps.iter().enumerate() {
        write_step(x0, w, base0 + i0 * 24).map_err(|e| e.index(i0).field("steps"))?;
    }
    w.date(at + 80, v.start);
    w.int(at + 56, v.offset);
    w.bool(at + 112, v.gate);
    w.wide_variant(at + 84, v.big as u32);
    let base0 = w.list(at + 88, v.bigs.len(), 4, 4).map_err(|e| e.field("bigs"))?;
    for (i0, x0) in v.bigs.iter().enumerate() {
        w.wide_variant(base0 + i0 * 4, *x0 as u32);
    }
    if let Some(x0) = &v.maybe_big {
        w.present(at + 96);
        w.wide_variant(at + 96 + 4, *x0 as u32);
    }
    let base0 = w.list(at + 104, v.words.len(), 8, 4).map_err(|e| e.field("words"))?;
    for (i0, x0) in v.words.iter().enumerate() {
        w.string(base0 + i0 * 8, x0).map_err(|e| e.index(i0).field("words"))?;
    }
    Ok(())
}

/// Reads the `Pair` at `at`.
#[allow(unused_variables)]
fn read_pair(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Pair, dx::DecodeError> {
    let f0 = r.int(at)?;
    let f1 = r.int(at.offset(8))?;
    Ok(Pair { a: f0, b: f1 })
}

/// Reads the `Result` at `at`.
#[allow(unused_variables)]
fn read_result2(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Result2, dx::DecodeError> {
    let f0 = dx::pick(&Mode::ALL, r.variant(at.offset(8), 1)?)?;
    let f1 = r.int(at)?;
    Ok(Result2 { mode: f0, value: f1 })
}

/// Reads the `Output` at `at`.
#[allow(unused_variables)]
fn read_output(r: &mut dx::SlotReader<'_>, at: dx::Loc) -> Result<Output, dx::DecodeError> {
    let f0 = r.string(at.offset(64))?;
    let f1 = r.int(at)?;
    let f2 = r.int(at.offset(8))?;
    let f3 = {
        let (s0, n0) = r.list(at.offset(72), 16)?;
        let mut v0 = Vec::with_capacity(n0);
        for i0 in 0..n0 {
            v0.push(read_result2(r, dx::Loc::element(s0, i0, 16))?);
        }
        v0
    };
    let f4 = read_result2(r, at.offset(16))?;
    let f5 = match r.optional(at.offset(80), 4)? {
        Some(p0) => Some(r.date(p0)?),
        None => None,
    };
    let f6 = r.date(at.offset(88))?;
    let f7 = r.int(at.offset(32))?;
    let f8 = dx::pick(&Big::ALL, r.variant(at.offset(92), 0)?)?;
    let f9 = dx::pick(&Big::ALL, r.variant(at.offset(96), 0)?)?;
    let f10 = r.bool(at.offset(108))?;
    let f11 = dx::codes(r.codes(at.offset(40), 0)?, &LimitsCode::ALL);
    let f12 = r.bool(at.offset(109))?;
    let f13 = {
        let (s0, n0) = r.list(at.offset(100), 8)?;
        let mut v0 = Vec::with_capacity(n0);
        for i0 in 0..n0 {
            v0.push(r.string(dx::Loc::element(s0, i0, 8))?);
        }
        v0
    };
    let f14 = read_pair(r, at.offset(48))?;
    let f15 = r.bool(at.offset(110))?;
    Ok(Output {
        id: f0,
        quotient: f1,
        folded: f2,
        results: f3,
        first: f4,
        stepped: f5,
        back: f6,
        gated: f7,
        big: f8,
        big_max: f9,
        big_in: f10,
        codes: f11,
        hot: f12,
        words: f13,
        pair: f14,
        short: f15,
    })
}
